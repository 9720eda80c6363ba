/**
 * The measuring matrix: workloads x engines x push intervals x router replicas x load. The full run
 * is the cross product; `--quick` takes a covering subset in which every value of every axis occurs
 * and pairs of values are spread as evenly as a greedy pairwise choice allows (a Latin-square-like
 * design), so a CI-sized run still touches each axis.
 */

/**
 * A value of the router-replicas axis: N routers each seeing only its own in-flight, or "Np": N
 * routers sharing their in-flight every `peerAxisIntervalMs` (serve --peers, issue 22).
 */
export type RouterSetting = number | `${number}p`;

/** Peer report period of an "Np" router setting, ms (serve --peers' default). */
export const peerAxisIntervalMs = 50;

/** The router count and peer period of a router-axis value. */
export function routerSetting(v: RouterSetting): { routers: number; peerIntervalMs?: number } {
  if (typeof v === "number") return { routers: v };
  return { routers: Number(v.slice(0, -1)), peerIntervalMs: peerAxisIntervalMs };
}

/** The values of each axis. */
export interface MatrixAxes {
  workloads: readonly string[];
  engines: readonly string[];
  pushIntervalsMs: readonly number[];
  routers: readonly RouterSetting[];
  /** Percent of round-robin's capacity (its saturation point on that engine and workload). */
  loadPercents: readonly number[];
}

/** One point of the matrix. */
export interface MatrixPoint {
  workload: string;
  engine: string;
  pushIntervalMs: number;
  routers: number;
  /** Router replicas share in-flight every this many ms ("Np" on the routers axis); absent = no sharing. */
  peerIntervalMs?: number;
  loadPercent: number;
  /** Virtual seconds of arrivals at this point, overriding --duration (the small-pool points). */
  durationS?: number;
}

/** The cross product, workloads outermost, load innermost. */
export function fullMatrix(a: MatrixAxes): MatrixPoint[] {
  const out: MatrixPoint[] = [];
  for (const workload of a.workloads)
    for (const engine of a.engines)
      for (const pushIntervalMs of a.pushIntervalsMs)
        for (const routers of a.routers)
          for (const loadPercent of a.loadPercents)
            out.push({ workload, engine, pushIntervalMs, ...routerSetting(routers), loadPercent });
  return out;
}

/** Points `--quick` runs by default: twice the longest axis, so each value of it occurs twice. */
export function quickPointCount(a: MatrixAxes): number {
  return (
    2 *
    Math.max(
      a.workloads.length,
      a.engines.length,
      a.pushIntervalsMs.length,
      a.routers.length,
      a.loadPercents.length,
    )
  );
}

/**
 * `count` distinct points covering every axis value (count >= the longest axis). Greedy over the
 * whole cross product: each new point is the unused one whose values have been used least so far
 * (summed over the axes), ties broken by the fewest earlier points sharing a pair of values with
 * it, then by cross-product order. Deterministic; capped at the cross product's size.
 */
export function quickMatrix(a: MatrixAxes, count = quickPointCount(a)): MatrixPoint[] {
  const axes: readonly (readonly (string | number)[])[] = [
    a.workloads,
    a.engines,
    a.pushIntervalsMs,
    a.routers,
    a.loadPercents,
  ];
  const total = axes.reduce((n, x) => n * x.length, 1);
  const candidates = Array.from({ length: total }, (_, idx) => indicesOf(idx, axes));
  const uses = axes.map((x) => new Array<number>(x.length).fill(0));
  const pairs = new Map<string, number>();
  const pairKey = (i: number, vi: number, j: number, vj: number) => `${i}:${vi}/${j}:${vj}`;
  const taken = new Uint8Array(total);
  const chosen: number[][] = [];
  while (chosen.length < Math.min(count, total)) {
    let best = -1;
    let bestUse = Number.POSITIVE_INFINITY;
    let bestPair = Number.POSITIVE_INFINITY;
    for (let c = 0; c < total; c++) {
      if (taken[c]) continue;
      const v = candidates[c]!;
      let use = 0;
      for (let k = 0; k < axes.length; k++) use += uses[k]![v[k]!]!;
      if (use > bestUse) continue;
      let pair = 0;
      for (let k = 1; k < axes.length; k++)
        for (let j = 0; j < k; j++) pair += pairs.get(pairKey(j, v[j]!, k, v[k]!)) ?? 0;
      if (use < bestUse || pair < bestPair) {
        best = c;
        bestUse = use;
        bestPair = pair;
      }
    }
    const pick = candidates[best]!;
    taken[best] = 1;
    chosen.push(pick);
    for (let k = 0; k < axes.length; k++) {
      uses[k]![pick[k]!]!++;
      for (let j = 0; j < k; j++) {
        const key = pairKey(j, pick[j]!, k, pick[k]!);
        pairs.set(key, (pairs.get(key) ?? 0) + 1);
      }
    }
  }
  return chosen.map((p) => ({
    workload: a.workloads[p[0]!]!,
    engine: a.engines[p[1]!]!,
    pushIntervalMs: a.pushIntervalsMs[p[2]!]!,
    ...routerSetting(a.routers[p[3]!]!),
    loadPercent: a.loadPercents[p[4]!]!,
  }));
}

/** Value indices of the cross product's point number `idx` (fullMatrix order). */
function indicesOf(idx: number, axes: readonly (readonly unknown[])[]): number[] {
  const out: number[] = new Array(axes.length);
  let rest = idx;
  for (let k = axes.length - 1; k >= 0; k--) {
    out[k] = rest % axes[k]!.length;
    rest = Math.floor(rest / axes[k]!.length);
  }
  return out;
}

/**
 * Points `--quick` always adds when the axes have them: the calibrated sharegpt setting at 80 and
 * 100% load, where issue 17's comparison with a Kubernetes Service is checked.
 */
export const quickAnchors: readonly MatrixPoint[] = [80, 100].map((loadPercent) => ({
  workload: "sharegpt",
  engine: "h100",
  pushIntervalMs: 200,
  routers: 1,
  loadPercent,
}));

/**
 * Small-pool points `--quick` always adds when the axes have their workload and base engine: 4
 * replicas (engines `<engine>-x4`, engines.ts), one router, push 200 ms. shared-prefix on kv-bound at
 * 85% is the virtual-time twin of the live KV-bound cross-check; agentic on h100 at 120% is where
 * a KV guard once cost (test/bench/results/matrix-analysis/README.md, session 6). The KV-bound
 * point runs 120 s of arrivals: its queues build over a minute (at 30 s the default's loss is hidden).
 */
export const smallPoolAnchors: readonly (MatrixPoint & { baseEngine: string })[] = [
  {
    workload: "shared-prefix",
    engine: "kv-bound-x4",
    baseEngine: "kv-bound",
    loadPercent: 85,
    durationS: 120,
  },
  { workload: "agentic", engine: "h100-x4", baseEngine: "h100", loadPercent: 120 },
].map((p) => ({ ...p, pushIntervalMs: 200, routers: 1 }));

/** The --quick selection: `quickMatrix` plus the anchors the axes allow, without duplicates. */
export function quickSelection(a: MatrixAxes, count?: number): MatrixPoint[] {
  const out = quickMatrix(a, count);
  const key = (p: MatrixPoint) =>
    `${p.workload}/${p.engine}/${p.pushIntervalMs}/${p.routers}/${p.peerIntervalMs ?? 0}/${p.loadPercent}`;
  const seen = new Set(out.map(key));
  for (const p of quickAnchors) {
    const inAxes =
      a.workloads.includes(p.workload) &&
      a.engines.includes(p.engine) &&
      a.pushIntervalsMs.includes(p.pushIntervalMs) &&
      a.routers.includes(p.routers) &&
      a.loadPercents.includes(p.loadPercent);
    if (inAxes && !seen.has(key(p))) {
      seen.add(key(p));
      out.push(p);
    }
  }
  for (const { baseEngine, ...p } of smallPoolAnchors) {
    if (a.workloads.includes(p.workload) && a.engines.includes(baseEngine)) out.push(p);
  }
  return out;
}

/** "shared-prefix / kv-bound / push 200 ms / 3 routers / 80%": how reports name a point. */
export function pointLabel(p: {
  workload: string;
  engine: string;
  pushIntervalMs: number;
  routers: number;
  peerIntervalMs?: number;
  grid: string;
}): string {
  const load = p.grid.startsWith("sat:") ? `${p.grid.slice(4)}%` : p.grid;
  const sharing = p.peerIntervalMs ? ` sharing ${p.peerIntervalMs} ms` : "";
  return `${p.workload} / ${p.engine} / push ${p.pushIntervalMs} ms / ${p.routers} router${p.routers === 1 ? "" : "s"}${sharing} / ${load}`;
}
