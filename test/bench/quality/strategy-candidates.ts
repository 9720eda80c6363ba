/**
 * Candidates for the next default: the built-in default ("ours") with one change each, run only when
 * named (`--strategies ours+...`), so an experiment stays the same experiment whatever the default
 * holds. The matrix's own strategies are in strategies.ts.
 */
import { defaultSchedulerConfig } from "../../../src/scheduling/config/default-config.js";
import type { SchedulerConfig } from "../../../src/scheduling/config/scheduler-config.js";
import type { Strategy } from "./strategies.js";

/** The built-in default changed by `change` (a deep copy): a candidate for the next default. */
function oursWith(change: (c: SchedulerConfig) => void): SchedulerConfig {
  const c = structuredClone(defaultSchedulerConfig());
  change(c);
  return c;
}

/** Adds a scorer to the default profile before prefix-cache-scorer (so it reads the shared lookup). */
function withScorer(type: string, weight: number, parameters?: unknown) {
  return (c: SchedulerConfig) => {
    (c.plugins as unknown[]).push({ type, name: type, ...(parameters === undefined ? {} : { parameters }) });
    const refs = c.schedulingProfiles[0]!.plugins as unknown[];
    const at = c.schedulingProfiles[0]!.plugins.findIndex((r) => r.pluginRef === "prefix-cache-scorer");
    refs.splice(at, 0, { pluginRef: type, weight });
  };
}

/** Adds a filter to the default profile, before every other plugin. */
function withFilterFirst(type: string, parameters?: unknown) {
  return (c: SchedulerConfig) => {
    (c.plugins as unknown[]).push({ type, name: type, ...(parameters === undefined ? {} : { parameters }) });
    (c.schedulingProfiles[0]!.plugins as unknown[]).unshift({ pluginRef: type });
  };
}

/** The default's service-time-filter with exactly `parameters` (added first when the default has none). */
function withServiceTimeFilter(parameters: Record<string, unknown>) {
  return (c: SchedulerConfig) => {
    const p = c.plugins.find((x) => x.type === "service-time-filter");
    if (p) p.parameters = { ...parameters };
    else withFilterFirst("service-time-filter", parameters)(c);
  };
}

/** Sets parameters of the plugin of type `type`. */
function withParameters(type: string, parameters: Record<string, unknown>) {
  return (c: SchedulerConfig) => {
    const p = c.plugins.find((x) => x.type === type)!;
    p.parameters = { ...(p.parameters as object), ...parameters };
  };
}

/** Sets the weight of the scorer `ref` in the default profile. */
function withWeight(ref: string, weight: number) {
  return (c: SchedulerConfig) => {
    const refs = c.schedulingProfiles[0]!.plugins;
    (refs.find((r) => r.pluginRef === ref) ??
      refs.find((r) => r.pluginRef === `share-scaled-${ref}`))!.weight = weight;
  };
}

/** Replaces the default profile's picker (near-max-score-picker) by `type`, keeping maxNumOfEndpoints. */
function withPicker(type: string, parameters: Record<string, unknown>) {
  return (c: SchedulerConfig) => {
    const p = c.plugins.find((x) => x.type === "near-max-score-picker")!;
    const keep = (p.parameters as { maxNumOfEndpoints?: number } | undefined)?.maxNumOfEndpoints;
    Object.assign(p, { type, parameters: { ...parameters, maxNumOfEndpoints: keep ?? 1 } });
    c.schedulingProfiles[0]!.plugins.find((r) => r.pluginRef === "near-max-score-picker")!.pluginRef = type;
  };
}

/**
 * Takes the default's load scorers out of their share-scaled-scorer wrappers (the profile refers to
 * the scorers again, with the same weights): the default before session 8.
 */
function withoutShareScaled(c: SchedulerConfig, only?: readonly string[]) {
  const wrappers = c.plugins.filter(
    (p) =>
      p.type === "share-scaled-scorer" &&
      (!only || only.includes((p.parameters as { scorer: string }).scorer)),
  );
  for (const w of wrappers) {
    const inner = (w.parameters as { scorer: string }).scorer;
    const ref = c.schedulingProfiles[0]!.plugins.find((r) => r.pluginRef === w.name);
    if (ref) ref.pluginRef = inner;
  }
  (c as { plugins: SchedulerConfig["plugins"] }).plugins = c.plugins.filter((p) => !wrappers.includes(p));
}

/**
 * Wraps the default profile's load scorers (active-request-scorer, outstanding-tokens-scorer) in
 * share-scaled-scorer: the profile refers to the wrappers, with the same weights.
 */
function withShareScaledLoad(
  parameters: Record<string, unknown> = {},
  scorers: readonly string[] = ["active-request-scorer", "outstanding-tokens-scorer"],
) {
  return (c: SchedulerConfig) => {
    withoutShareScaled(c, scorers);
    for (const inner of scorers) {
      const name = `share-scaled-${inner}`;
      (c.plugins as unknown[]).push({
        type: "share-scaled-scorer",
        name,
        parameters: { scorer: inner, ...parameters },
      });
      c.schedulingProfiles[0]!.plugins.find((r) => r.pluginRef === inner)!.pluginRef = name;
    }
  };
}

/** Sets decayPushed on both load scorers and the near-max-score-picker's tieBreak and epsilon. */
function withDecayAndTies(decayPushed: boolean, tieBreak: string, epsilon: number) {
  return (c: SchedulerConfig) => {
    withoutShareScaled(c);
    withParameters("active-request-scorer", { decayPushed })(c);
    withParameters("outstanding-tokens-scorer", { decayPushed })(c);
    withParameters("near-max-score-picker", { tieBreak, epsilon })(c);
  };
}

/**
 * Candidate changes to the built-in default, run only when named (--strategies): the experiments of
 * test/bench/results/matrix-analysis/README.md ("Experiments on the default").
 */
export const candidateStrategies: readonly Strategy[] = [
  {
    name: "ours+no-hit-lru-1",
    description: "ours + no-hit-lru-scorer 1 (upstream's optimized baseline adds it at 2)",
    config: oursWith(withScorer("no-hit-lru-scorer", 1)),
  },
  {
    name: "ours+no-hit-lru-2",
    description: "ours + no-hit-lru-scorer 2",
    config: oursWith(withScorer("no-hit-lru-scorer", 2)),
  },
  {
    name: "ours+load-aware-1",
    description: "ours + load-aware-scorer 1 (threshold 128)",
    config: oursWith(withScorer("load-aware-scorer", 1)),
  },
  {
    name: "ours-eps0",
    description: "ours with near-max-score-picker epsilon 0 (a max-score pick with random ties)",
    config: oursWith(withParameters("near-max-score-picker", { epsilon: 0 })),
  },
  {
    name: "ours-eps05",
    description: "ours with near-max-score-picker epsilon 0.05",
    config: oursWith(withParameters("near-max-score-picker", { epsilon: 0.05 })),
  },
  {
    name: "ours-affinity-0.95",
    description: "ours with prefix-cache-affinity-filter affinityThreshold 0.95",
    config: oursWith(withParameters("prefix-cache-affinity-filter", { affinityThreshold: 0.95 })),
  },
  {
    name: "ours-prefix-1",
    description:
      "ours with prefix-cache-scorer 1 (the affinity filter decides stickiness; the score only ranks)",
    config: oursWith(withWeight("prefix-cache-scorer", 1)),
  },
  {
    name: "ours-prefix-0",
    description: "ours with prefix-cache-scorer 0 (stickiness from the affinity filter alone)",
    config: oursWith(withWeight("prefix-cache-scorer", 0)),
  },
  {
    name: "ours+kv-headroom",
    description: "ours with kv-headroom-filter (maxKvFill 1) first",
    config: oursWith(withFilterFirst("kv-headroom-filter")),
  },
  {
    name: "ours+kv-headroom-prefix-1",
    description: "ours with kv-headroom-filter first and prefix-cache-scorer 1",
    config: oursWith((c) => {
      withFilterFirst("kv-headroom-filter")(c);
      withWeight("prefix-cache-scorer", 1)(c);
    }),
  },
  {
    name: "ours+kv-full-hit-0.5",
    description:
      "ours with prefix-cache-scorer kvFullHitWeight 0.5 (a hit on an endpoint without KV room for the prompt scores half, while another has room)",
    config: oursWith(withParameters("prefix-cache-scorer", { kvFullHitWeight: 0.5 })),
  },
  {
    name: "ours+kv-full-hit-0.25",
    description: "ours with prefix-cache-scorer kvFullHitWeight 0.25",
    config: oursWith(withParameters("prefix-cache-scorer", { kvFullHitWeight: 0.25 })),
  },
  ...[0.4, 0.3].map((w) => ({
    name: `ours+kv-full-hit-${w}`,
    description: `ours with prefix-cache-scorer kvFullHitWeight ${w}`,
    config: oursWith(withParameters("prefix-cache-scorer", { kvFullHitWeight: w })),
  })),
  ...[0.25, 0].map((w) => ({
    name: `ours+kv-full-hit-${w}-share-0.1`,
    description: `ours with prefix-cache-scorer kvFullHitWeight ${w}, kvFullMinPromptShare 0.1 (only where the prompt is >= 10% of the KV)`,
    config: oursWith(
      withParameters("prefix-cache-scorer", { kvFullHitWeight: w, kvFullMinPromptShare: 0.1 }),
    ),
  })),
  {
    name: "ours+kv-full-hit-0",
    description: "ours with prefix-cache-scorer kvFullHitWeight 0 (no pull toward a full holder)",
    config: oursWith(withParameters("prefix-cache-scorer", { kvFullHitWeight: 0 })),
  },
  // Session 7 (matrix-analysis README): the two rules the default adopted, each set explicitly, so
  // these stay the same experiments whatever the default holds.
  {
    name: "ours-session6",
    description:
      "the default before session 7: decayPushed off on both load scorers, near-max-score-picker tieBreak random",
    config: oursWith(withDecayAndTies(false, "random", 0.02)),
  },
  ...[0.02, 0.05, 0.1].map((eps) => ({
    name: `ours-lru-eps${eps}`,
    description: `the session-6 default with near-max-score-picker tieBreak least-recently-picked, epsilon ${eps}`,
    config: oursWith(withDecayAndTies(false, "least-recently-picked", eps)),
  })),
  {
    name: "ours-decay",
    description:
      "the session-6 default with decayPushed on active-request-scorer and outstanding-tokens-scorer (the pushed figure less the router's own completions since that snapshot)",
    config: oursWith(withDecayAndTies(true, "random", 0.02)),
  },
  ...[0.01, 0.05].map((eps) => ({
    name: `ours-decay-lru-eps${eps}`,
    description: `decayPushed, tieBreak least-recently-picked, near-max-score-picker epsilon ${eps} (the default has 0.02)`,
    config: oursWith(withDecayAndTies(true, "least-recently-picked", eps)),
  })),
  {
    name: "ours+share-sampled",
    description:
      "ours with share-sampled-picker (epsilon 0.02) instead of near-max-score-picker: the near-max pick over a random sample of ceil(n x visible share) endpoints, so router replicas that see a third of the traffic do not herd on a stale push",
    config: oursWith(withPicker("share-sampled-picker", { epsilon: 0.02 })),
  },
  {
    name: "ours+share-scaled",
    description:
      "ours with active-request-scorer and outstanding-tokens-scorer wrapped in share-scaled-scorer: the router's own in-flight / its estimated share of the traffic, so replicas without peer sharing balance instead of herding on a stale push",
    config: oursWith(withShareScaledLoad()),
  },
  {
    name: "ours+share-scaled-since",
    description: "ours+share-scaled with scaleSincePush: the own since-push requests scaled too",
    config: oursWith(withShareScaledLoad({ scaleSincePush: true })),
  },
  ...[2, 4].map((k) => ({
    name: `ours+share-scaled-stale-${k}`,
    description: `ours+share-scaled with stalenessGain ${k}: the ledger scaled by 1 + (1/s - 1) x min(1, ${k} x W), W = the share of own outstanding requests sent since their endpoint's push`,
    config: oursWith(withShareScaledLoad({ stalenessGain: k })),
  })),
  ...[1, 2, 4].flatMap((w) =>
    [0, 0.25].map((tol) => ({
      name: `ours+service-time-${w}${tol === 0.25 ? "" : `-tol${tol}`}`,
      description: `ours + service-time-scorer ${w} (tolerance ${tol}): the speed learned from the router's own completions`,
      config: oursWith(withScorer("service-time-scorer", w, { tolerance: tol, halfLifeMs: 0 })),
    })),
  ),
  ...[3, 4].flatMap((w) =>
    [10_000, 30_000].map((h) => ({
      name: `ours+service-time-${w}-age${h / 1000}`,
      description: `ours + service-time-scorer ${w} (tolerance 0.25, halfLifeMs ${h})`,
      config: oursWith(withScorer("service-time-scorer", w, { halfLifeMs: h })),
    })),
  ),
  ...(["mean", "floor"] as const).map((figure) => ({
    name: `ours+service-time-4-${figure}-tol0.5`,
    description: `ours + service-time-scorer 4 (figure ${figure}, tolerance 0.5, halfLifeMs 30,000)`,
    config: oursWith(withScorer("service-time-scorer", 4, { figure, tolerance: 0.5 })),
  })),
  ...([2, 2.5] as const).flatMap((maxSlowdown) =>
    (["mean", "floor"] as const).map((figure) => ({
      name: `ours+service-time-filter-${maxSlowdown}${figure === "floor" ? "-floor" : ""}`,
      description: `ours with service-time-filter first (maxSlowdown ${maxSlowdown}, figure ${figure}, halfLifeMs 30,000): endpoints the router saw serve > ${maxSlowdown}x slower per token than the fastest are left out`,
      config: oursWith(withServiceTimeFilter({ maxSlowdown, figure })),
    })),
  ),
  {
    name: "ours+hetero",
    description:
      "the default's service-time-filter entry alone (maxSlowdown 2.5, figure mean, halfLifeMs 30,000; session 8, heterogeneous pools): set explicitly, so it stays the same experiment whatever the default holds",
    config: oursWith(withServiceTimeFilter({ maxSlowdown: 2.5 })),
  },
  {
    name: "ours-session7",
    description: "ours without service-time-filter (session 8's share-scaled load scorers kept)",
    config: oursWith((c) => {
      c.plugins = c.plugins.filter((p) => p.type !== "service-time-filter");
      c.schedulingProfiles[0]!.plugins = c.schedulingProfiles[0]!.plugins.filter(
        (r) => r.pluginRef !== "service-time-filter",
      );
    }),
  },
  {
    name: "ours-session8",
    description:
      "ours with active-request-scorer and outstanding-tokens-scorer not wrapped in share-scaled-scorer (session 8's service-time-filter kept)",
    config: oursWith((c) => withoutShareScaled(c)),
  },
  {
    name: "ours+corner",
    description:
      "ours-session8 + share-scaled-scorer scaleSincePush on active-request-scorer, and on outstanding-tokens-scorer fading in as the pushed KV usage goes from 0.3 to 0.6 (the session-8 default's change, kept as a candidate to combine)",
    config: oursWith((c) => {
      withShareScaledLoad({ scaleSincePush: true, fullShare: 0.6, minSnapshots: 20 }, [
        "active-request-scorer",
      ])(c);
      withShareScaledLoad(
        { scaleSincePush: true, fullShare: 0.6, minSnapshots: 20, kvGateFrom: 0.3, kvGateTo: 0.6 },
        ["outstanding-tokens-scorer"],
      )(c);
    }),
  },
  ...[2, 4].map((k) => ({
    name: `ours+corner-stale-${k}`,
    description: `ours+corner with stalenessGain ${k} on both wrappers (the scaling fades in with the share of own requests sent since their push)`,
    config: oursWith((c) => {
      withShareScaledLoad({ scaleSincePush: true, fullShare: 0.6, minSnapshots: 20, stalenessGain: k }, [
        "active-request-scorer",
      ])(c);
      withShareScaledLoad(
        {
          scaleSincePush: true,
          fullShare: 0.6,
          minSnapshots: 20,
          kvGateFrom: 0.3,
          kvGateTo: 0.6,
          stalenessGain: k,
        },
        ["outstanding-tokens-scorer"],
      )(c);
    }),
  })),
  {
    name: "ours+share-scaled-since-active",
    description: "ours-session8 + share-scaled-scorer scaleSincePush on active-request-scorer only",
    config: oursWith((c) => {
      withoutShareScaled(c);
      withShareScaledLoad({ scaleSincePush: true }, ["active-request-scorer"])(c);
    }),
  },
  {
    name: "ours-active-3",
    description: "ours with active-request-scorer 3",
    config: oursWith(withWeight("active-request-scorer", 3)),
  },
];
