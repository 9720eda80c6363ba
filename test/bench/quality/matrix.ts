/**
 * The measuring matrix: workloads x engines x push intervals x router replicas x load. The full run
 * is the cross product; `--quick` takes a covering subset in which every value of every axis occurs
 * and pairs of values are spread as evenly as a greedy pairwise choice allows (a Latin-square-like
 * design), so a CI-sized run still touches each axis.
 */

/** The values of each axis. */
export interface MatrixAxes {
  workloads: readonly string[];
  engines: readonly string[];
  pushIntervalsMs: readonly number[];
  routers: readonly number[];
  /** Percent of round-robin's capacity (its saturation point on that engine and workload). */
  loadPercents: readonly number[];
}

/** One point of the matrix. */
export interface MatrixPoint {
  workload: string;
  engine: string;
  pushIntervalMs: number;
  routers: number;
  loadPercent: number;
}

/** The cross product, workloads outermost, load innermost. */
export function fullMatrix(a: MatrixAxes): MatrixPoint[] {
  const out: MatrixPoint[] = [];
  for (const workload of a.workloads)
    for (const engine of a.engines)
      for (const pushIntervalMs of a.pushIntervalsMs)
        for (const routers of a.routers)
          for (const loadPercent of a.loadPercents)
            out.push({ workload, engine, pushIntervalMs, routers, loadPercent });
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
 * `count` distinct points covering every axis value (count >= the longest axis). Greedy: for each
 * new point, each axis in turn takes the value used least so far, ties broken by the fewest
 * earlier points sharing a pair of values with the choices already made for this point, then by
 * axis order. Deterministic; never returns a point twice (capped at the cross product's size).
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
  const uses = axes.map((x) => new Array<number>(x.length).fill(0));
  const pairs = new Map<string, number>();
  const chosen: number[][] = [];
  const seen = new Set<string>();
  const pairKey = (i: number, vi: number, j: number, vj: number) => `${i}:${vi}/${j}:${vj}`;
  while (chosen.length < Math.min(count, total)) {
    const pick: number[] = [];
    for (let k = 0; k < axes.length; k++) {
      let best = -1;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let v = 0; v < axes[k]!.length; v++) {
        let pairCost = 0;
        for (let j = 0; j < k; j++) pairCost += pairs.get(pairKey(j, pick[j]!, k, v)) ?? 0;
        // The last axis must not repeat a whole point: skip values that would.
        if (k === axes.length - 1 && seen.has([...pick, v].join(","))) continue;
        const cost = uses[k]![v]! * 1_000 + pairCost;
        if (cost < bestCost) {
          bestCost = cost;
          best = v;
        }
      }
      if (best < 0) break;
      pick.push(best);
    }
    if (pick.length < axes.length) {
      // Every last-axis value repeats a point for this prefix: take the first unused point instead.
      const next = fullMatrix(a).findIndex((_, idx) => !seen.has(indexToKey(idx, axes)));
      pick.splice(0, pick.length, ...indexToKey(next, axes).split(",").map(Number));
    }
    seen.add(pick.join(","));
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
    routers: a.routers[p[3]!]!,
    loadPercent: a.loadPercents[p[4]!]!,
  }));
}

/** Value indices ("w,e,p,r,l") of the cross product's point number `idx` (fullMatrix order). */
function indexToKey(idx: number, axes: readonly (readonly unknown[])[]): string {
  const out: number[] = [];
  let rest = idx;
  for (let k = axes.length - 1; k >= 0; k--) {
    out.unshift(rest % axes[k]!.length);
    rest = Math.floor(rest / axes[k]!.length);
  }
  return out.join(",");
}

/** "shared-prefix / kv-bound / push 200 ms / 3 routers / 80%": how reports name a point. */
export function pointLabel(p: {
  workload: string;
  engine: string;
  pushIntervalMs: number;
  routers: number;
  grid: string;
}): string {
  const load = p.grid.startsWith("sat:") ? `${p.grid.slice(4)}%` : p.grid;
  return `${p.workload} / ${p.engine} / push ${p.pushIntervalMs} ms / ${p.routers} router${p.routers === 1 ? "" : "s"} / ${load}`;
}
