/**
 * single-profile-handler (the default): runs the one configured profile and answers with its
 * result. A config with several profiles needs another handler. No parameters.
 */
import { z } from "zod";
import { type CycleContext, type PluginFactory, parsePluginParameters } from "../../framework/plugin.js";
import type { ProfileHandler, ProfileResults } from "../../framework/profile-handler.js";
import type { SchedulerProfile } from "../../framework/scheduler-profile.js";
import type { SchedulingRequest } from "../../types.js";

export const singleProfileHandlerType = "single-profile-handler";

export class SingleProfileHandler implements ProfileHandler {
  readonly type = singleProfileHandlerType;
  readonly name: string;
  /** Most profiles this handler can drive. */
  readonly maxProfiles = 1;
  constructor(name = singleProfileHandlerType) {
    this.name = name;
  }
  pickProfiles(
    _ctx: CycleContext,
    _req: SchedulingRequest,
    profiles: readonly SchedulerProfile[],
    results: ProfileResults,
  ): readonly SchedulerProfile[] {
    return results.size === 0 ? profiles : [];
  }
  processResults(_ctx: CycleContext, _req: SchedulingRequest, results: ProfileResults): string | undefined {
    for (const [name, result] of results) if (result) return name;
    return undefined;
  }
}

export const createSingleProfileHandler: PluginFactory = (name, parameters) => {
  parsePluginParameters(z.strictObject({}), name, singleProfileHandlerType, parameters);
  return new SingleProfileHandler(name);
};
