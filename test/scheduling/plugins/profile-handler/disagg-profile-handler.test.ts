import { describe, expect, it } from "vitest";
import type { SchedulerConfig } from "../../../../src/scheduling/config/scheduler-config.js";
import type { SchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import { noopSchedulerMetrics } from "../../../../src/scheduling/metrics.js";
import { address, hashes, POOL, request } from "../../helpers.js";
import { scenario } from "../../scenarios/scenario-helpers.js";

const role = (r: string) => ({ labels: { "llm-d.ai/role": r } });

/** Upstream's P/D example shape: a decode and a prefill profile, a decider, the disagg handler. */
function pdConfig(
  decider: Record<string, unknown> | undefined,
  handlerParams: Record<string, unknown> = {},
): SchedulerConfig {
  return {
    plugins: [
      { type: "prefix-cache-scorer" },
      { type: "queue-scorer" },
      { type: "prefill-filter" },
      { type: "decode-filter" },
      ...(decider ? [decider as { type: string; name?: string; parameters?: unknown }] : []),
      {
        type: "disagg-profile-handler",
        parameters: {
          ...(decider ? { deciders: { prefill: (decider.name ?? decider.type) as string } } : {}),
          ...handlerParams,
        },
      },
    ],
    schedulingProfiles: [
      {
        name: "prefill",
        plugins: [{ pluginRef: "prefill-filter" }, { pluginRef: "queue-scorer" }],
      },
      {
        name: "decode",
        plugins: [
          { pluginRef: "decode-filter" },
          { pluginRef: "queue-scorer" },
          { pluginRef: "prefix-cache-scorer", weight: 3 },
        ],
      },
    ],
  };
}

function counting(): SchedulerMetrics & { decisions: string[] } {
  const decisions: string[] = [];
  return { ...noopSchedulerMetrics, decisions, countDisaggDecision: (t) => decisions.push(t) };
}

describe("disagg-profile-handler", () => {
  // 0: prefill (idle), 1: prefill (busy), 2: decode (idle), 3: decode (busy)
  const pool = [
    { ...role("prefill"), waitingRequests: 0 },
    { ...role("prefill"), waitingRequests: 5 },
    { ...role("decode"), waitingRequests: 0 },
    { ...role("decode"), waitingRequests: 5 },
  ];

  it("runs decode first, then the prefill profile; the decode pick is the answer, the prefill pick rides along", () => {
    const metrics = counting();
    const s = scenario(pool, { config: pdConfig({ type: "always-disagg-pd-decider" }), metrics });
    const r = s.scheduler.schedule(POOL, request());
    expect(r.profile).toBe("decode");
    expect(r.endpoints[0]!.address).toBe(address(2));
    expect(r.prefill?.endpoint.address).toBe(address(0));
    expect(r.prefill?.profile).toBe("prefill");
    expect(r.disaggregation).toBe("prefill-decode");
    expect(metrics.decisions).toEqual(["prefill-decode"]);
    // Both halves are leased: the decode endpoint for prompt + output, the prefill endpoint for the prompt.
    expect(s.endpoints()[2]!.inFlight).toEqual({ requests: 1, tokens: 200 });
    expect(s.endpoints()[0]!.inFlight).toEqual({ requests: 1, tokens: 100 });
    r.lease?.release();
    r.prefill?.lease?.release();
    expect(s.endpoints()[0]!.inFlight.requests).toBe(0);
  });

  it("explain shows both profiles, in the order they ran, and the decision", () => {
    const s = scenario(pool, { config: pdConfig({ type: "always-disagg-pd-decider" }) });
    const e = s.scheduler.explain(POOL, request());
    expect(e.profiles.map((p) => p.profile)).toEqual(["decode", "prefill"]);
    expect(e.profiles[0]!.filtered["decode-filter"]).toEqual([address(0), address(1)]);
    expect(e.profiles[1]!.filtered["prefill-filter"]).toEqual([address(2), address(3)]);
    expect(e.disaggregation).toEqual({
      decisionType: "prefill-decode",
      decodeProfile: "decode",
      decode: address(2),
      prefillProfile: "prefill",
      prefill: address(0),
      decider: "always-disagg-pd-decider",
      reason: "always",
    });
    expect(s.endpoints()[0]!.inFlight.requests).toBe(0);
  });

  it("prefix-based-pd-decider: a prompt the decode endpoint has cached is served decode-only", () => {
    const metrics = counting();
    const s = scenario(pool, {
      config: pdConfig({ type: "prefix-based-pd-decider", name: "pd", parameters: { nonCachedTokens: 400 } }),
      metrics,
    });
    const long = request({ promptTokens: 1_600, prefixHashes: hashes(7, 100) });
    const first = s.scheduler.schedule(POOL, long);
    expect(first.disaggregation).toBe("prefill-decode");
    first.lease?.release();
    first.prefill?.lease?.release();
    // The decode endpoint recorded the prompt: the next identical request has 0 uncached tokens there.
    const again = s.scheduler.schedule(POOL, long);
    expect(again.endpoints[0]!.address).toBe(first.endpoints[0]!.address);
    expect(again.prefill).toBeUndefined();
    expect(again.disaggregation).toBe("decode-only");
    expect(metrics.decisions).toEqual(["prefill-decode", "decode-only"]);
    const e = s.scheduler.explain(POOL, long);
    expect(e.profiles.map((p) => p.profile)).toEqual(["decode"]);
    expect(e.disaggregation).toMatchObject({
      decisionType: "decode-only",
      decider: "pd",
      cachedTokens: 1_600,
      reason: "uncached 0 tokens < nonCachedTokens 400",
    });
  });

  it("falls back to decode-only when no endpoint can prefill, or the prefill pick is the decode endpoint", () => {
    const s = scenario([role("decode"), role("decode")], {
      config: pdConfig({ type: "always-disagg-pd-decider" }),
    });
    const r = s.scheduler.schedule(POOL, request());
    expect(r.prefill).toBeUndefined();
    expect(r.disaggregation).toBe("decode-only");
    expect(s.scheduler.explain(POOL, request()).disaggregation?.reason).toMatch(
      /prefill profile "prefill" found no endpoint: decode-only/,
    );
    const both = scenario([{}], { config: pdConfig({ type: "always-disagg-pd-decider" }) });
    const one = both.scheduler.schedule(POOL, request());
    expect(one.endpoints[0]!.address).toBe(address(0));
    expect(one.prefill).toBeUndefined();
  });

  it("fails like a single profile when no endpoint can decode", () => {
    const s = scenario([role("prefill")], { config: pdConfig({ type: "always-disagg-pd-decider" }) });
    expect(() => s.scheduler.schedule(POOL, request())).toThrow(
      /profile "decode": "decode-filter" left no endpoint/,
    );
  });

  it("without deciders.prefill every request is disaggregated", () => {
    const s = scenario(pool, { config: pdConfig(undefined) });
    expect(s.scheduler.schedule(POOL, request(), { dryRun: true }).disaggregation).toBe("prefill-decode");
  });

  it("takes upstream's parameter names for the profiles", () => {
    const config = pdConfig(
      { type: "always-disagg-pd-decider" },
      { profiles: { decode: "d", prefill: "p" } },
    );
    config.schedulingProfiles[0]!.name = "p";
    config.schedulingProfiles[1]!.name = "d";
    const s = scenario(pool, { config });
    const r = s.scheduler.schedule(POOL, request(), { dryRun: true });
    expect(r.profile).toBe("d");
    expect(r.prefill?.profile).toBe("p");
  });

  it("refuses a missing profile, an unknown decider and encode, naming the field and the value", () => {
    const missing = pdConfig(undefined, { profiles: { decode: "decode", prefill: "pre" } });
    expect(() => scenario(pool, { config: missing })).toThrow(
      /plugin "disagg-profile-handler": parameters\.profiles\.prefill: "pre" names no profile in schedulingProfiles \(declared: "prefill", "decode"\)/,
    );
    const unknown = pdConfig(undefined, { deciders: { prefill: "nope" } });
    expect(() => scenario(pool, { config: unknown })).toThrow(
      /parameters\.deciders\.prefill: "nope" names no declared plugin/,
    );
    const notDecider = pdConfig(undefined, { deciders: { prefill: "queue-scorer" } });
    expect(() => scenario(pool, { config: notDecider })).toThrow(
      /"queue-scorer" is a queue-scorer, not a pd decider/,
    );
    const encode = pdConfig(undefined, { profiles: { encode: "e" } });
    expect(() => scenario(pool, { config: encode })).toThrow(/disagg-profile-handler.*encode/);
  });
});
