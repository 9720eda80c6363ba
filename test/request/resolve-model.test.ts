import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { createSeededRandom, type Random } from "../../src/core/random.js";
import { headerViewFromMap } from "../../src/request/headers.js";
import {
  createModelResolver,
  type ModelResolutionResources,
  resolveModel,
} from "../../src/request/resolve-model.js";

const NO_HEADERS = headerViewFromMap({});
const fixed = (value: number): Random => ({ next: () => value });

const resources: ModelResolutionResources = {
  objectives: [
    { name: "critical", priority: 10, poolName: "pool-a" },
    { name: "batch", priority: -1, poolName: "pool-a" },
    { name: "critical", priority: 3, poolName: "pool-b" },
  ],
  models: [
    { modelName: "chatbot", priority: 2, poolName: "pool-a", targetModels: [] },
    { modelName: "background", priority: -1, poolName: "pool-a", targetModels: [] },
    {
      modelName: "sql",
      priority: 0,
      poolName: "pool-a",
      targetModels: [
        { name: "sql-v1", weight: 70 },
        { name: "sql-v2", weight: 30 },
      ],
    },
  ],
  rewrites: [
    {
      poolName: "pool-a",
      rules: [
        { matches: [], targets: [{ model: "base-model", weight: 1 }] },
        {
          matches: ["canary"],
          targets: [
            { model: "canary-v1", weight: 90 },
            { model: "canary-v2", weight: 10 },
          ],
        },
      ],
    },
  ],
};

describe("model resolution", () => {
  it("takes the priority from the objective named in the header", () => {
    const r = resolveModel(
      "chatbot",
      new Headers({ "x-gateway-inference-objective": "critical" }),
      fixed(0),
      resources,
    );
    expect(r).toMatchObject({
      priority: 10,
      objective: "critical",
      poolName: "pool-a",
      targetModel: "chatbot",
    });
    const batch = resolveModel(
      "chatbot",
      headerViewFromMap({ "x-gateway-inference-objective": "batch" }),
      fixed(0),
      resources,
    );
    expect(batch.priority).toBe(-1);
  });

  it("gives priority 0 for an unknown or absent objective when no model sets one", () => {
    const unknown = resolveModel("free", new Headers({ "x-gateway-inference-objective": "nope" }), fixed(0), {
      ...resources,
      rewrites: [],
    });
    expect(unknown.priority).toBe(0);
    expect(unknown.objective).toBeUndefined();
    expect(resolveModel("free", NO_HEADERS, fixed(0), { ...resources, rewrites: [] }).priority).toBe(0);
  });

  it("maps an InferenceModel's criticality to priority when no objective is named", () => {
    expect(resolveModel("chatbot", NO_HEADERS, fixed(0), resources).priority).toBe(2);
    expect(resolveModel("background", NO_HEADERS, fixed(0), resources).priority).toBeLessThan(0);
    expect(resolveModel("sql", NO_HEADERS, fixed(0), resources).priority).toBe(0);
  });

  it("scopes objectives to the pool", () => {
    const headers = new Headers({ "x-gateway-inference-objective": "critical" });
    expect(resolveModel("x", headers, fixed(0), resources, { poolName: "pool-b" }).priority).toBe(3);
  });

  it("splits traffic by targetModels weights over 10,000 seeded draws", () => {
    const resolver = createModelResolver(resources);
    const random = createSeededRandom(1234);
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const r = resolver.resolve("sql", NO_HEADERS, random);
      counts.set(r.targetModel, (counts.get(r.targetModel) ?? 0) + 1);
      expect(r.rewritten).toBe(true);
    }
    // 70/30 expected; 3 standard deviations of a binomial(10000, 0.3) is ~140.
    expect(Math.abs((counts.get("sql-v2") ?? 0) - 3000)).toBeLessThan(150);
    expect((counts.get("sql-v1") ?? 0) + (counts.get("sql-v2") ?? 0)).toBe(10_000);
  });

  it("splits rewrite targets by weight", () => {
    const resolver = createModelResolver(resources);
    const random = createSeededRandom(99);
    let v2 = 0;
    for (let i = 0; i < 10_000; i++)
      if (resolver.resolve("canary", NO_HEADERS, random).targetModel === "canary-v2") v2++;
    expect(Math.abs(v2 - 1000)).toBeLessThan(100);
  });

  it("prefers an exact rewrite match over a catch-all listed before it", () => {
    const r = resolveModel("canary", NO_HEADERS, fixed(0), resources);
    expect(r.targetModel).toBe("canary-v1");
    const other = resolveModel("anything", NO_HEADERS, fixed(0.99), resources);
    expect(other).toMatchObject({ targetModel: "base-model", poolName: "pool-a", rewritten: true });
  });

  it("lets the model-name-rewrite header override the target", () => {
    const headers = new Headers({ "x-gateway-model-name-rewrite": "lora-7" });
    const r = resolveModel("canary", headers, fixed(0), resources);
    expect(r).toMatchObject({ clientModel: "canary", targetModel: "lora-7", rewritten: true });
    const same = resolveModel("plain", new Headers({ "x-gateway-model-name-rewrite": "plain" }), fixed(0), {
      ...resources,
      rewrites: [],
    });
    expect(same.rewritten).toBe(false);
  });

  it("refuses an unknown model with NotFound only when known models are required", () => {
    const bare = { ...resources, rewrites: [] };
    expect(resolveModel("mystery", NO_HEADERS, fixed(0), bare).targetModel).toBe("mystery");
    let caught: unknown;
    try {
      resolveModel("mystery", NO_HEADERS, fixed(0), bare, { requireKnownModel: true });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RouterError);
    expect((caught as RouterError).code).toBe("NotFound");
    expect((caught as RouterError).message).toBe('model "mystery" is not served by this router');
    const served = resolveModel("mystery", NO_HEADERS, fixed(0), bare, {
      requireKnownModel: true,
      isServedModel: (m) => m === "mystery",
    });
    expect(served.targetModel).toBe("mystery");
    expect(resolveModel("chatbot", NO_HEADERS, fixed(0), bare, { requireKnownModel: true }).targetModel).toBe(
      "chatbot",
    );
  });
});
