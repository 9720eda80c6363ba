import { describe, expect, it } from "vitest";
import { builtinAccelerators, findAccelerator } from "../../src/scheduling/accelerators.js";
import { capacityFromLabels, endpointCapacity } from "../../src/scheduling/endpoint-capacity.js";
import {
  effectiveQueue,
  effectiveRequests,
  effectiveTokens,
  outstandingRequests,
  outstandingTokens,
} from "../../src/scheduling/endpoint-load.js";
import { createQueueScorer } from "../../src/scheduling/plugins/scorer/queue-scorer.js";
import { endpoints, scoresOf } from "./helpers.js";

const acc = (name: string) => ({ labels: { "inference-router.dev/accelerator": name } });

describe("endpoint capacity", () => {
  it("comes from the accelerator label through the table; names match case-insensitively and inside product strings", () => {
    expect(capacityFromLabels(acc("l4").labels).accelerator).toBe("L4");
    expect(findAccelerator("NVIDIA-H100-80GB-HBM3")?.name).toBe("H100");
    expect(findAccelerator("nvidia-l40s")?.name).toBe("L40S");
    expect(findAccelerator("nvidia-l4")?.name).toBe("L4");
    expect(findAccelerator("NVIDIA-A100-SXM4-80GB")?.name).toBe("A100-80G");
    expect(findAccelerator("TPU-v5e")).toBeUndefined();
    expect(capacityFromLabels({ "nvidia.com/gpu.product": "NVIDIA-L4" }).accelerator).toBe("L4");
  });

  it("is relative to an H100: the L4 is about a ninth as fast, the H200 faster", () => {
    const speed = (name: string) => capacityFromLabels(acc(name).labels).relativeSpeed;
    expect(speed("H100")).toBe(1);
    expect(speed("L4")).toBeGreaterThan(0.1);
    expect(speed("L4")).toBeLessThan(0.12);
    expect(speed("A100-80G")).toBeCloseTo(0.425, 2);
    expect(speed("H200")).toBeGreaterThan(1);
  });

  it("explicit figures pushed as labels win over the table; malformed ones are ignored", () => {
    const c = capacityFromLabels({
      "inference-router.dev/accelerator": "L4",
      "inference-router.dev/decode-tokens-per-second": "1222",
      "inference-router.dev/kv-tokens": "nope",
    });
    expect(c.decodeTokensPerSecond).toBe(1222);
    expect(c.kvTokens).toBe(builtinAccelerators.L4!.kvTokens);
    expect(c.decodeStepMs).toBeCloseTo(builtinAccelerators.L4!.decodeStepMs / 2, 5);
  });

  it("an unlabelled endpoint is assumed to be the reference accelerator", () => {
    const [e] = endpoints([{}]);
    expect(endpointCapacity(e!)).toMatchObject({ accelerator: "H100", relativeSpeed: 1, assumed: true });
  });
});

describe("load normalised by capacity (endpoint-load.ts)", () => {
  it("a queue of 10 on an L4 weighs as much as a queue of ~95 on an H100; unlabelled endpoints keep raw figures", () => {
    const [h100, l4, plain] = endpoints([
      {
        ...acc("H100"),
        waitingRequests: 10,
        runningRequests: 4,
        kvCacheUsage: 0.5,
        numBlocks: 100,
        blockSize: 16,
      },
      {
        ...acc("L4"),
        waitingRequests: 10,
        runningRequests: 4,
        kvCacheUsage: 0.5,
        numBlocks: 100,
        blockSize: 16,
      },
      { waitingRequests: 10, runningRequests: 4, kvCacheUsage: 0.5, numBlocks: 100, blockSize: 16 },
    ]);
    const speed = endpointCapacity(l4!).relativeSpeed;
    expect(effectiveQueue(h100!)).toBe(10);
    expect(effectiveQueue(plain!)).toBe(10);
    // (n + 1) / speed - 1: the request being placed counts, so an idle L4 is not an idle H100.
    expect(effectiveQueue(l4!)).toBeCloseTo(11 / speed - 1, 9);
    expect(effectiveQueue(l4!)).toBeGreaterThan(90);
    expect(effectiveRequests(l4!)).toBeCloseTo(15 / speed - 1, 9);
    expect(outstandingRequests(l4!)).toBeCloseTo(15 / speed - 1, 9);
    expect(effectiveTokens(l4!)).toBeCloseTo((800 + 1024) / speed - 1024, 6);
    expect(outstandingTokens(l4!)).toBeCloseTo((800 + 1024) / speed - 1024, 6);
    for (const f of [effectiveRequests, outstandingRequests, effectiveTokens, outstandingTokens]) {
      expect(f(plain!)).toBe(f(h100!));
    }
  });

  it("an idle L4 weighs as an H100 with about 8 requests", () => {
    const [l4] = endpoints([acc("L4")]);
    expect(effectiveQueue(l4!)).toBeGreaterThan(7.5);
    expect(effectiveQueue(l4!)).toBeLessThan(9);
  });

  it("load scorers pick it up: queue-scorer prefers an H100 with 8 waiting over an L4 with 2", () => {
    const eps = endpoints([
      { ...acc("H100"), waitingRequests: 8 },
      { ...acc("L4"), waitingRequests: 2 },
    ]);
    const [h, l] = scoresOf(createQueueScorer("q", {}, undefined as never) as never, eps);
    expect(h).toBeGreaterThan(l!);
  });
});
