/**
 * bursty: ShareGPT-like requests arriving in on/off bursts: Poisson at twice the offered rate for
 * 2 s, then nothing for 2 s, so the mean rate is the offered one but every burst overloads a pool
 * run near capacity and the queues must drain in the pause (a batch job or a retry storm).
 */
import type { Random } from "../../../../src/core/random.js";
import { pseudoText } from "./pseudo-text.js";
import { sharegptLengths } from "./sharegpt.js";
import { BASE_MODEL, contentOf, type Workload } from "./workload.js";

/** Lengths of the on and off phases, ms (the run starts with an on phase). */
export const burstyShape = { onMs: 2_000, offMs: 2_000 } as const;

/** On/off arrival times in [0, durationMs): Poisson at qps x (on + off) / on during on phases. */
export function onOffArrivals(random: Random, qps: number, durationMs: number): number[] {
  const { onMs, offMs } = burstyShape;
  const mean = (1000 / qps) * (onMs / (onMs + offMs));
  const out: number[] = [];
  // Time is drawn in "on" time only, then mapped onto the wall clock by skipping the off phases.
  let onTime = 0;
  for (;;) {
    onTime += -Math.log(1 - random.next()) * mean;
    const t = Math.floor(onTime / onMs) * (onMs + offMs) + (onTime % onMs);
    if (t >= durationMs) return out;
    out.push(t);
  }
}

export const burstyWorkload: Workload = {
  name: "bursty",
  description:
    "ShareGPT-like requests in on/off bursts: Poisson at 2x the offered rate for 2 s, silent for 2 s (mean = the offered rate)",
  arrivals: onOffArrivals,
  contents(random) {
    return () => {
      const { prompt, output } = sharegptLengths(random);
      return contentOf([pseudoText(random, prompt * 4)], BASE_MODEL, undefined, output);
    };
  },
};
