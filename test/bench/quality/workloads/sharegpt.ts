/**
 * sharegpt: single-turn chat prompts with ShareGPT's length shape. Lengths are lognormal (heavy
 * right tail), with the filter of vLLM's benchmark (prompt 4..1024 tokens, output >= 4, prompt +
 * output <= 2048; rejected draws are redrawn). Means after the filter: prompt ~160, output ~340
 * tokens (the figures the vLLM paper reports for ShareGPT). Every prompt is unique text.
 */
import type { Random } from "../../../../src/core/random.js";
import { lognormal } from "./distributions.js";
import { pseudoText } from "./pseudo-text.js";
import { BASE_MODEL, contentOf, type Workload } from "./workload.js";

/** Lognormal parameters: requested mean (before the filter) and log-space sigma. */
export const sharegptShape = {
  prompt: { mean: 176, sigma: 1.0 },
  output: { mean: 372, sigma: 0.9 },
} as const;

/** One ShareGPT-like (prompt, output) length pair, in tokens. */
export function sharegptLengths(random: Random): { prompt: number; output: number } {
  for (;;) {
    const prompt = Math.round(lognormal(random, sharegptShape.prompt.mean, sharegptShape.prompt.sigma));
    const output = Math.round(lognormal(random, sharegptShape.output.mean, sharegptShape.output.sigma));
    if (prompt >= 4 && prompt <= 1024 && output >= 4 && prompt + output <= 2048) return { prompt, output };
  }
}

export const sharegptWorkload: Workload = {
  name: "sharegpt",
  description:
    "ShareGPT-like: prompt ~ lognormal(mean 176, sigma 1.0), output ~ lognormal(mean 372, sigma 0.9) tokens, vLLM benchmark filter (prompt 4..1024, prompt + output <= 2048) => means ~160 / ~340; unique prompts; base model",
  contents(random) {
    return () => {
      const { prompt, output } = sharegptLengths(random);
      return contentOf([pseudoText(random, prompt * 4)], BASE_MODEL, undefined, output);
    };
  },
};
