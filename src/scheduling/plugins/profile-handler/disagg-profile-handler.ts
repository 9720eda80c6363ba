/**
 * disagg-profile-handler (upstream llm-d name; replaces the deprecated pd-profile-handler): splits a
 * request over a decode endpoint and, when a decider says so, a separate prefill endpoint.
 *
 * 1. The decode profile always runs first (`profiles.decode`, default "decode"). If it fails, the
 *    request fails as a single-profile request would.
 * 2. The prefill decider (`deciders.prefill`, a declared pd-decider plugin; default: every request is
 *    disaggregated) looks at the decode profile's primary (its prefix-cache match) and decides.
 * 3. Disaggregate: the prefill profile runs (`profiles.prefill`, default "prefill"). Its primary goes
 *    to the decode endpoint's sidecar in `x-prefiller-host-port`. If it fails, or picks the decode
 *    endpoint itself (an endpoint that serves both phases), the request is served decode-only.
 *
 * The answer is always the decode profile's pick (`x-gateway-destination-endpoint`); the split is
 * reported through `disaggregation()` (metric disagg_decision_total{decision_type}, explain).
 * Encode (E/P/D) is not supported: `profiles.encode` / `deciders.encode` are refused.
 */
import { z } from "zod";
import type { PdDecider, PdDecision } from "../../framework/pd-decider.js";
import { isPdDecider } from "../../framework/pd-decider.js";
import {
  type CycleContext,
  type Plugin,
  type PluginFactory,
  parsePluginParameters,
  pluginError,
} from "../../framework/plugin.js";
import type { DisaggOutcome, ProfileHandler, ProfileResults } from "../../framework/profile-handler.js";
import type { SchedulerProfile } from "../../framework/scheduler-profile.js";
import type { SchedulingRequest } from "../../types.js";

export const disaggProfileHandlerType = "disagg-profile-handler";

/** Handler types that drive several profiles: a config declaring one runs all of its profiles. */
export const MULTI_PROFILE_HANDLERS: readonly string[] = [disaggProfileHandlerType];

const profileName = z.string().min(1).max(253);
const schema = z.strictObject({
  profiles: z
    .strictObject({
      decode: profileName.default("decode"),
      prefill: profileName.default("prefill"),
    })
    .default({ decode: "decode", prefill: "prefill" }),
  deciders: z.strictObject({ prefill: profileName.optional() }).default({}),
});

export interface DisaggProfileHandlerOptions {
  decodeProfile: string;
  prefillProfile: string;
  /** Plugin name of the prefill decider; undefined = disaggregate every request. */
  prefillDecider: string | undefined;
}

const ALWAYS: PdDecision = { disaggregate: true, reason: "no decider configured: always" };
const NONE: readonly SchedulerProfile[] = [];

export class DisaggProfileHandler implements ProfileHandler {
  readonly type = disaggProfileHandlerType;
  readonly name: string;
  readonly options: DisaggProfileHandlerOptions;
  /** Decode and prefill. */
  readonly maxProfiles = 2;
  #decode: SchedulerProfile | undefined;
  #prefill: SchedulerProfile | undefined;
  #decider: PdDecider | undefined;
  /** This cycle's decision (set by pickProfiles, read by disaggregation). */
  #decision: PdDecision | undefined;

  constructor(name: string, options: DisaggProfileHandlerOptions) {
    this.name = name;
    this.options = options;
  }

  validate(profiles: readonly SchedulerProfile[], plugin: (name: string) => Plugin | undefined): void {
    const o = this.options;
    const known = profiles.map((p) => `"${p.name}"`).join(", ") || "none";
    const find = (field: string, value: string): SchedulerProfile => {
      const p = profiles.find((x) => x.name === value);
      if (!p) {
        throw pluginError(
          this.name,
          this.type,
          `parameters.${field}: "${value}" names no profile in schedulingProfiles (declared: ${known})`,
        );
      }
      return p;
    };
    this.#decode = find("profiles.decode", o.decodeProfile);
    this.#prefill = find("profiles.prefill", o.prefillProfile);
    if (this.#decode === this.#prefill) {
      throw pluginError(
        this.name,
        this.type,
        `parameters.profiles: decode and prefill must be two profiles, both are "${o.decodeProfile}"`,
      );
    }
    if (o.prefillDecider !== undefined) {
      const d = plugin(o.prefillDecider);
      if (!d || !isPdDecider(d)) {
        throw pluginError(
          this.name,
          this.type,
          `parameters.deciders.prefill: "${o.prefillDecider}" ${d ? `is a ${d.type}, not a pd decider` : "names no declared plugin"} (declare a prefix-based-pd-decider or always-disagg-pd-decider)`,
        );
      }
      this.#decider = d;
    }
  }

  pickProfiles(
    ctx: CycleContext,
    request: SchedulingRequest,
    profiles: readonly SchedulerProfile[],
    results: ProfileResults,
  ): readonly SchedulerProfile[] {
    const decode = this.#decode ?? profiles.find((p) => p.name === this.options.decodeProfile);
    const prefill = this.#prefill ?? profiles.find((p) => p.name === this.options.prefillProfile);
    if (!decode) return NONE;
    if (results.size === 0) {
      this.#decision = undefined;
      return [decode];
    }
    const decoded = results.get(decode.name);
    if (!decoded || !prefill || results.has(prefill.name)) return NONE;
    const decision = this.#decider ? this.#decider.decide(ctx, request, decoded.endpoints[0]!) : ALWAYS;
    this.#decision = decision;
    return decision.disaggregate ? [prefill] : NONE;
  }

  processResults(_ctx: CycleContext, _req: SchedulingRequest, results: ProfileResults): string | undefined {
    return results.get(this.options.decodeProfile) ? this.options.decodeProfile : undefined;
  }

  disaggregation(results: ProfileResults): DisaggOutcome | undefined {
    const o = this.options;
    const decoded = results.get(o.decodeProfile);
    if (!decoded) return undefined;
    const d = this.#decision;
    const out: DisaggOutcome = {
      decisionType: "decode-only",
      decodeProfile: o.decodeProfile,
      reason: d?.reason ?? "no decision",
    };
    if (this.#decider) out.decider = this.#decider.name;
    if (d?.cachedTokens !== undefined) out.cachedTokens = d.cachedTokens;
    if (!d?.disaggregate) return out;
    const prefilled = results.get(o.prefillProfile);
    if (!prefilled) {
      out.reason = `${d.reason}; prefill profile "${o.prefillProfile}" found no endpoint: decode-only`;
      return out;
    }
    if (prefilled.endpoints[0]!.address === decoded.endpoints[0]!.address) {
      out.reason = `${d.reason}; prefill picked the decode endpoint itself: decode-only`;
      return out;
    }
    out.decisionType = "prefill-decode";
    out.prefillProfile = o.prefillProfile;
    return out;
  }
}

export const createDisaggProfileHandler: PluginFactory = (name, parameters) => {
  const p = parsePluginParameters(schema, name, disaggProfileHandlerType, parameters);
  return new DisaggProfileHandler(name, {
    decodeProfile: p.profiles.decode,
    prefillProfile: p.profiles.prefill,
    prefillDecider: p.deciders.prefill,
  });
};
