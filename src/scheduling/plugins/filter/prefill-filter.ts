/**
 * prefill-filter (upstream name): keeps endpoints whose `llm-d.ai/role` lets them prefill for another
 * endpoint: prefill, encode-prefill, prefill-decode, encode-prefill-decode, `both` (deprecated), or
 * no label (an unlabelled endpoint serves both phases). The prefill profile of
 * disagg-profile-handler starts with it. No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { servesPrefill } from "../../endpoint-role.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const prefillFilterType = "prefill-filter";

export class PrefillFilter implements Filter {
  readonly type = prefillFilterType;
  readonly name: string;
  constructor(name = prefillFilterType) {
    this.name = name;
  }
  filter(_ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const out: Endpoint[] = [];
    for (const e of endpoints) if (servesPrefill(e)) out.push(e);
    return out.length === endpoints.length ? endpoints : out;
  }
}

export const createPrefillFilter: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, prefillFilterType, parameters);
  return new PrefillFilter(name);
};
