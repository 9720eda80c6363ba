/**
 * decode-filter (upstream name): keeps endpoints whose `llm-d.ai/role` lets them decode: decode,
 * encode-decode, prefill-decode, encode-prefill-decode, `both` (deprecated), or no label. Prefill-only
 * endpoints never serve a request end to end. The decode profile of disagg-profile-handler starts
 * with it. No parameters.
 */
import { z } from "zod";
import type { Endpoint } from "../../../state/types.js";
import { servesDecode } from "../../endpoint-role.js";
import type { Filter } from "../../framework/filter.js";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { SchedulingRequest } from "../../types.js";

export const decodeFilterType = "decode-filter";

export class DecodeFilter implements Filter {
  readonly type = decodeFilterType;
  readonly name: string;
  constructor(name = decodeFilterType) {
    this.name = name;
  }
  filter(_ctx: CycleContext, _req: SchedulingRequest, endpoints: readonly Endpoint[]): readonly Endpoint[] {
    const out: Endpoint[] = [];
    for (const e of endpoints) if (servesDecode(e)) out.push(e);
    return out.length === endpoints.length ? endpoints : out;
  }
}

export const createDecodeFilter: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, decodeFilterType, parameters);
  return new DecodeFilter(name);
};
