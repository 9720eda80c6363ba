/**
 * running-requests-size-scorer: smaller running batch = higher score. score = (max - r) / (max - min),
 * 1 for all when equal; r = pushed running requests + the router's requests sent since that push.
 * No parameters.
 */
import { effectiveRunning } from "../../endpoint-load.js";
import { MinMaxLoadScorer, minMaxLoadScorerFactory } from "./min-max-load-scorer.js";

export const runningRequestsSizeScorerType = "running-requests-size-scorer";

export class RunningRequestsSizeScorer extends MinMaxLoadScorer {
  constructor(name = runningRequestsSizeScorerType) {
    super(runningRequestsSizeScorerType, effectiveRunning, name);
  }
}

export const createRunningRequestsSizeScorer = minMaxLoadScorerFactory(
  runningRequestsSizeScorerType,
  effectiveRunning,
);
