import { describe, expect, it } from "vitest";
import { headerViewFromMap } from "../../../../src/request/headers.js";
import { parseSloHeaders } from "../../../../src/request/slo-headers.js";
import {
  type CostAwareFilter,
  createCostAwareFilter,
} from "../../../../src/scheduling/plugins/filter/cost-aware-filter.js";
import { ctx, endpoints, POOL, request } from "../../helpers.js";
import { scenario } from "../../scenarios/scenario-helpers.js";

const acc = (name: string) => ({ labels: { "inference-router.dev/accelerator": name } });
const make = (parameters: Record<string, unknown> = {}) =>
  createCostAwareFilter("cost", parameters, undefined as never) as CostAwareFilter;

describe("cost-aware-filter", () => {
  const idle = endpoints([acc("H100"), acc("A100-80G"), acc("L4")]);

  it("keeps the cheapest endpoint forecast to meet the default SLO (TTFT 2 s, TPOT 100 ms)", () => {
    expect(make().filter(ctx(), request(), idle)).toEqual([idle[2]]);
  });

  it("reads the request's SLO: a 50 ms TPOT rules the L4 out (69 ms a token alone), so the A100 is the cheapest left", () => {
    expect(make().filter(ctx(), request({ slo: { tpotMs: 50 } }), idle)).toEqual([idle[1]]);
  });

  it("a loaded cheap endpoint that would miss the SLO loses to a dearer one that meets it", () => {
    const eps = endpoints([acc("H100"), { ...acc("L4"), runningRequests: 80 }]);
    expect(make().filter(ctx(), request(), eps)).toEqual([eps[0]]);
  });

  it("keeps every endpoint when none is forecast to meet the SLO", () => {
    expect(make().filter(ctx(), request({ slo: { ttftMs: 1 } }), idle)).toBe(idle);
  });

  it("takes costs and figures per accelerator from its parameters", () => {
    const f = make({ accelerators: { l4: { costPerHour: 9 } } });
    expect(f.filter(ctx(), request(), idle)).toEqual([idle[1]]);
  });

  it("refuses a new accelerator without every figure, naming the field", () => {
    expect(() => make({ accelerators: { TPU: { costPerHour: 1 } } })).toThrow(
      /plugin "cost" \(cost-aware-filter\): parameters\.accelerators\.TPU: a new accelerator needs prefillTokensPerSecond/,
    );
    expect(() => make({ tpotSloMs: -1 })).toThrow(/tpotSloMs/);
  });

  it("explain shows the forecast TTFT/TPOT, the cost and the verdict for every candidate", () => {
    const s = scenario([acc("H100"), acc("L4")], {
      config: {
        plugins: [{ type: "cost-aware-filter" }, { type: "queue-scorer" }],
        schedulingProfiles: [
          { name: "p", plugins: [{ pluginRef: "cost-aware-filter" }, { pluginRef: "queue-scorer" }] },
        ],
      },
    });
    const e = s.scheduler.explain(POOL, request({ promptTokens: 1_000 }));
    expect(e.picked).toEqual(["10.0.0.2:8000"]);
    const figures = e.profiles[0]!.candidateFigures!;
    expect(figures.map((c) => c.figures.accelerator)).toEqual(["H100", "L4"]);
    expect(figures[0]!.figures).toMatchObject({ costPerHour: 3.9, meetsSlo: true, predictedTpotMs: 8.04 });
    expect(figures[1]!.figures.predictedTtftMs).toBeCloseTo(1000 / 4.144 + 69.48, 0);
  });
});

describe("SLO headers", () => {
  it("parses x-llm-d-slo-ttft-ms and x-llm-d-slo-tpot-ms", () => {
    expect(parseSloHeaders(headerViewFromMap({}))).toBeUndefined();
    expect(
      parseSloHeaders(headerViewFromMap({ "x-llm-d-slo-ttft-ms": "500", "x-llm-d-slo-tpot-ms": "40" })),
    ).toEqual({
      ttftMs: 500,
      tpotMs: 40,
    });
  });

  it("refuses a malformed value naming the header, the value and the limit", () => {
    expect(() => parseSloHeaders(headerViewFromMap({ "x-llm-d-slo-tpot-ms": "fast" }))).toThrow(
      'header x-llm-d-slo-tpot-ms: "fast" must be a number of ms > 0 and <= 3600000',
    );
  });
});
