/**
 * Extension point run after a successful, non-dry-run pick (upstream's PreRequest step): the place
 * for plugins that learn from their own decisions, such as prefix-cache-scorer recording that the
 * primary endpoint now holds the prompt's blocks.
 */
import type { Endpoint } from "../../state/types.js";
import type { SchedulingRequest } from "../types.js";
import type { CycleContext, Plugin } from "./plugin.js";

export interface PickObserver extends Plugin {
  /** `picked` is the winning profile's ordered answer (non-empty). Must be cheap and must not throw. */
  onPicked(ctx: CycleContext, request: SchedulingRequest, picked: readonly Endpoint[]): void;
}

export function isPickObserver(p: Plugin): p is PickObserver {
  return typeof (p as Partial<PickObserver>).onPicked === "function";
}
