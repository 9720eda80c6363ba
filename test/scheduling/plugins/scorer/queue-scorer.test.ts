import { describe, expect, it } from "vitest";
import { createQueueScorer, QueueScorer } from "../../../../src/scheduling/plugins/scorer/queue-scorer.js";
import { createFixture, endpoints, POOL, scoresOf } from "../../helpers.js";

describe("queue-scorer", () => {
  it("scores (max - q) / (max - min) over the candidates", () => {
    const eps = endpoints([{ waitingRequests: 0 }, { waitingRequests: 5 }, { waitingRequests: 10 }]);
    expect(scoresOf(new QueueScorer(), eps)).toEqual([1, 0.5, 0]);
  });

  it("gives every endpoint 1 when all queues are equal", () => {
    const eps = endpoints([{ waitingRequests: 3 }, { waitingRequests: 3 }]);
    expect(scoresOf(new QueueScorer(), eps)).toEqual([1, 1]);
  });

  it("adds the router's requests sent since the last push to the pushed queue", () => {
    const f = createFixture([{ waitingRequests: 0 }, { waitingRequests: 1 }]);
    f.clock.advance(1);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 10);
    f.store.acquire(POOL, f.endpoints()[0]!.address, 10);
    expect(scoresOf(new QueueScorer(), f.endpoints())).toEqual([0, 1]);
  });

  it("refuses parameters it does not know, naming the plugin", () => {
    expect(() => createQueueScorer("q", { foo: 1 }, undefined as never)).toThrow(
      /plugin "q" \(queue-scorer\): parameters/,
    );
  });
});
