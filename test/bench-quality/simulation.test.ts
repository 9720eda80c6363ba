import { describe, expect, it } from "vitest";
import { createEngine, promptFromText, runToCompletion } from "../../src/sim/index.js";
import { engineProfile } from "../bench/quality/engines.js";
import { EventKind, EventQueue } from "../bench/quality/event-queue.js";
import { type PointTask, runPoint } from "../bench/quality/run-point.js";
import { runSimulation, type SimulationOptions } from "../bench/quality/simulation.js";
import { strategies } from "../bench/quality/strategies.js";
import { workloads } from "../bench/quality/workloads/index.js";
import { generateStream } from "../bench/quality/workloads/stream.js";
import { BASE_MODEL, type BenchRequest, contentOf } from "../bench/quality/workloads/workload.js";

const configOf = (name: string) => strategies.find((s) => s.name === name)!.config;

function options(strategy: string, over: Partial<SimulationOptions> = {}): SimulationOptions {
  return {
    replicas: 3,
    preset: "llama2-7b-h100",
    pushIntervalMs: 100,
    pushDelayMs: [5, 20],
    seed: 7,
    config: configOf(strategy),
    ...over,
  };
}

describe("the quality simulation's bookkeeping", () => {
  for (const workload of workloads.values()) {
    for (const strategy of [
      "round-robin",
      "kubernetes-service",
      "upstream-default",
      "sglang",
      "dynamo",
      "ours",
    ]) {
      it(`completes every ${workload.name} request exactly once and releases every lease (${strategy})`, () => {
        const requests = generateStream(workload, { qps: 12, durationMs: 4_000, seed: 3 });
        const o = options(strategy, workload.engine ? { engine: workload.engine } : {});
        if (strategy === "kubernetes-service") o.connections = { count: 8 };
        const r = runSimulation(requests, o, [0, 4_000]);
        expect(requests.length).toBeGreaterThan(20);
        expect([...r.completions].every((c) => c === 1)).toBe(true);
        expect(r.perReplica.reduce((a, b) => a + b, 0)).toBe(requests.length);
        expect(r.leftInFlight).toBe(0);
        requests.forEach((req, i) => {
          expect(r.firstTokenMs[i]).toBeGreaterThan(req.arrivalMs);
          expect(r.finishMs[i]).toBeGreaterThanOrEqual(r.firstTokenMs[i]!);
        });
      });
    }
  }

  it("sends kubernetes-service traffic only to the endpoints its K connections are bound to", () => {
    const requests = generateStream(workloads.get("sharegpt")!, { qps: 20, durationMs: 4_000, seed: 5 });
    const r = runSimulation(
      requests,
      options("kubernetes-service", { replicas: 10, connections: { count: 2 } }),
      [0, 4_000],
    );
    const used = r.perReplica.filter((x) => x > 0);
    expect(used.length).toBeGreaterThanOrEqual(1);
    expect(used.length).toBeLessThanOrEqual(2);
    expect(used.reduce((a, b) => a + b, 0)).toBe(requests.length);
  });

  it("splits traffic over three router replicas on a mixed pool and still completes and releases everything", () => {
    const requests = generateStream(workloads.get("shared-prefix")!, { qps: 15, durationMs: 4_000, seed: 9 });
    const hetero = engineProfile("hetero");
    for (const strategy of ["round-robin", "least-request", "ours"]) {
      const r = runSimulation(
        requests,
        options(strategy, { replicas: 6, routers: 3, engines: hetero.replicas }),
        [0, 4_000],
      );
      expect([...r.completions].every((c) => c === 1)).toBe(true);
      expect(r.leftInFlight).toBe(0);
      expect(r.perReplica.reduce((a, b) => a + b, 0)).toBe(requests.length);
    }
  });

  it("gives each router replica only its own in-flight view: three routers doing round-robin do not alternate as one", () => {
    // One router alternates strictly over 2 endpoints; three independent ones, fed at random, do not.
    const c = contentOf(["z".repeat(64)], BASE_MODEL, undefined, 2);
    const requests: BenchRequest[] = Array.from({ length: 60 }, (_, i) => ({ arrivalMs: i * 1_000, ...c }));
    const one = runSimulation(requests, options("round-robin", { replicas: 2 }), [0, 100_000]);
    const three = runSimulation(requests, options("round-robin", { replicas: 2, routers: 3 }), [0, 100_000]);
    expect(one.perReplica).toEqual([30, 30]);
    expect(three.perReplica).not.toEqual([30, 30]);
    expect(three.perReplica.reduce((a, b) => a + b, 0)).toBe(60);
  });

  it("gives a lone request exactly the engine's own TTFT and e2e (a request every 60 s)", () => {
    const texts = ["a".repeat(640), "b".repeat(2_000), "c".repeat(130)];
    const requests: BenchRequest[] = texts.map((t, i) => ({
      arrivalMs: 1_000 + i * 60_000,
      ...contentOf([t], BASE_MODEL, undefined, 50 + i * 100),
    }));
    const r = runSimulation(requests, options("round-robin", { replicas: 2 }), [0, 200_000]);
    requests.forEach((req, i) => {
      const alone = runToCompletion(createEngine({ preset: "llama2-7b-h100" }), [
        {
          id: "x",
          promptTokens: req.promptTokens,
          maxTokens: req.maxTokens,
          prefixKeys: req.hashes,
          arrivalMs: 0,
        },
      ]).outcomes[0]!;
      expect(r.firstTokenMs[i]! - req.arrivalMs).toBeCloseTo(alone.ttftMs, 6);
      expect(r.finishMs[i]! - req.arrivalMs).toBeCloseTo(alone.e2eMs, 6);
    });
    // The README's figure: a lone 160-token prompt with 340 output tokens has a ~7.1 ms TPOT.
    const one = runSimulation(
      [{ arrivalMs: 0, ...contentOf(["x".repeat(640)], BASE_MODEL, undefined, 340) }],
      options("round-robin", { replicas: 1 }),
      [0, 10_000],
    );
    const tpot = (one.finishMs[0]! - one.firstTokenMs[0]!) / 339;
    expect(tpot).toBeGreaterThan(6.5);
    expect(tpot).toBeLessThan(7.5);
  });

  it("gives the same numbers for the same seed, and different ones for another seed", () => {
    const task: PointTask = {
      workload: "shared-prefix",
      engine: "h100",
      routers: 1,
      qps: 20,
      grid: "t",
      strategies: ["random", "ours"],
      durationS: 6,
      seed: 11,
      burstiness: 1,
      replicas: 3,
      pushIntervalMs: 100,
      pushDelayMs: [5, 20],
      connections: 8,
    };
    const a = runPoint(task);
    expect(runPoint(task)).toEqual(a);
    expect(runPoint({ ...task, seed: 12 })).not.toEqual(a);
  });

  it("describes prompts to router and engine with the same blocks: one 64-char hash per 16-token KV block", () => {
    const text = "lorem ipsum ".repeat(100);
    const c = contentOf([text.slice(0, 500), text.slice(500)], BASE_MODEL, undefined, 10);
    const engineView = promptFromText(text);
    expect(c.promptTokens).toBe(engineView.promptTokens);
    expect(c.hashes.length).toBe(engineView.prefixKeys.length);
  });

  it("lets the engine hit its prefix cache when the router sends a repeated prompt to the same replica", () => {
    const c = contentOf(["q".repeat(3_200)], BASE_MODEL, undefined, 20);
    const requests: BenchRequest[] = [
      { arrivalMs: 0, ...c },
      { arrivalMs: 5_000, ...c },
    ];
    const r = runSimulation(requests, options("upstream-default", { replicas: 4 }), [0, 10_000]);
    expect(r.perReplica.filter((x) => x > 0)).toEqual([2]);
    expect(r.prefixCacheHits).toBe(49 * 16);
  });
});

describe("EventQueue", () => {
  it("pops events in time order, and in insertion order at equal times", () => {
    const q = new EventQueue();
    const times = [5, 1, 3, 3, 9, 0, 3, 7, 2, 8, 6, 4];
    times.forEach((t, i) => {
      q.push(t, EventKind.Arrival, i);
    });
    const out: [number, number][] = [];
    while (q.pop()) out.push([q.time, q.index]);
    const expected = times
      .map((t, i) => [t, i] as [number, number])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(out).toEqual(expected);
  });

  it("grows past its initial capacity", () => {
    const q = new EventQueue();
    for (let i = 5_000; i > 0; i--) q.push(i, EventKind.StepEnd, i);
    let last = -1;
    let n = 0;
    while (q.pop()) {
      expect(q.time).toBeGreaterThan(last);
      last = q.time;
      n++;
    }
    expect(n).toBe(5_000);
  });
});
