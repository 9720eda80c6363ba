/** Seeded draws the workloads need: standard normal, lognormal by mean, gamma inter-arrivals. */
import type { Random } from "../../../../src/core/random.js";

/** A standard normal draw (Box-Muller). */
export function normal(random: Random): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Lognormal with the given mean and log-space sigma: mu = ln(mean) - sigma^2 / 2. */
export function lognormal(random: Random, mean: number, sigma: number): number {
  return Math.exp(Math.log(mean) - (sigma * sigma) / 2 + sigma * normal(random));
}

/** Gamma(shape, scale = 1) by Marsaglia-Tsang (shape < 1 via the u^(1/shape) boost). */
export function gamma(random: Random, shape: number): number {
  if (shape < 1) return gamma(random, shape + 1) * (1 - random.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Arrival times in [0, durationMs): Poisson at `qps` (burstiness 1), or gamma inter-arrivals of
 * shape `burstiness` with the same mean (below 1 = burstier), as vLLM's benchmark_serving does.
 */
export function arrivalTimes(random: Random, qps: number, durationMs: number, burstiness = 1): number[] {
  const mean = 1000 / qps;
  const out: number[] = [];
  let t = 0;
  for (;;) {
    const gap =
      burstiness === 1
        ? -Math.log(1 - random.next()) * mean
        : (gamma(random, burstiness) / burstiness) * mean;
    t += gap;
    if (t >= durationMs) return out;
    out.push(t);
  }
}
