import { describe, expect, it } from "vitest";
import { createPrefixIndex } from "../../../src/scheduling/prefix/lru-prefix-index.js";
import { createPlacementExchange } from "../../../src/scheduling/prefix/placement-exchange.js";

const A = "10.0.0.1:8000";
const B = "10.0.0.2:8000";
const chain = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

function setUp(backlog = 1024, batch = 16) {
  const exchange = createPlacementExchange(backlog, batch);
  const index = exchange.wrap(createPrefixIndex)({
    blockSize: 64,
    maxPrefixBlocksToMatch: 256,
    lruCapacityPerServer: 1000,
  });
  exchange.take(A, 0, 1024); // the publisher's first round: noting starts
  return { exchange, index };
}

describe("placement exchange", () => {
  it("keeps the shallowest blocks when too many wait, dropping the deepest", () => {
    const { exchange, index } = setUp(4);
    index.record(A, chain(20));
    expect(exchange.take(A, 1000, 1024)).toEqual([1, 2, 3, 4]);
    expect(exchange.take(A, 2000, 1024)).toEqual([]);
  });

  it("notes per endpoint only what a pick adds to that endpoint", () => {
    const { exchange, index } = setUp();
    index.record(A, chain(5));
    index.record(B, chain(5));
    expect(exchange.take(A, 1000, 1024)).toEqual(chain(5));
    index.record(A, chain(7));
    index.record(A, chain(5));
    expect(exchange.take(A, 2000, 1024)).toEqual([6, 7]);
    expect(exchange.take(B, 2000, 1024)).toEqual(chain(5));
  });

  it("records a peer's blocks into the index without noting them", () => {
    const { exchange, index } = setUp();
    exchange.learn(A, chain(6));
    expect(index.matchLengths(chain(8), [A]).get(A)).toBe(6);
    index.record(A, chain(8));
    expect(exchange.take(A, 1000, 1024)).toEqual([7, 8]);
  });

  it("forgets what waits for an endpoint that left the pool", () => {
    const { exchange, index } = setUp();
    index.record(A, chain(3));
    index.record(B, chain(3));
    index.purge((address) => address !== A);
    expect(exchange.take(A, 1000, 1024)).toEqual([]);
    expect(exchange.take(B, 1000, 1024)).toEqual(chain(3));
  });
});
