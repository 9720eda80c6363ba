/**
 * queue-scorer: shorter queue = higher score. score = (max - q) / (max - min) over the candidates,
 * 1 for all when every queue is equal; q = pushed waiting requests + the router's requests sent since
 * that push. No parameters.
 */
import { effectiveQueue } from "../../endpoint-load.js";
import { MinMaxLoadScorer, minMaxLoadScorerFactory } from "./min-max-load-scorer.js";

export const queueScorerType = "queue-scorer";

export class QueueScorer extends MinMaxLoadScorer {
  constructor(name = queueScorerType) {
    super(queueScorerType, effectiveQueue, name);
  }
}

export const createQueueScorer = minMaxLoadScorerFactory(queueScorerType, effectiveQueue);
