/**
 * always-disagg-pd-decider (upstream name): every request is disaggregated, whatever its length or
 * cache state. For pools where the decode endpoints must never prefill. No parameters.
 */
import { z } from "zod";
import type { PdDecider, PdDecision } from "../../framework/pd-decider.js";
import { type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";

export const alwaysDisaggPdDeciderType = "always-disagg-pd-decider";

const ALWAYS: PdDecision = { disaggregate: true, reason: "always" };

export class AlwaysDisaggPdDecider implements PdDecider {
  readonly type = alwaysDisaggPdDeciderType;
  readonly name: string;
  constructor(name = alwaysDisaggPdDeciderType) {
    this.name = name;
  }
  decide(): PdDecision {
    return ALWAYS;
  }
}

export const createAlwaysDisaggPdDecider: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, alwaysDisaggPdDeciderType, parameters);
  return new AlwaysDisaggPdDecider(name);
};
