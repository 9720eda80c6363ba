/**
 * lora: ShareGPT-like lengths, every request for one of 15 LoRA adapters with a 60/30/10 popularity
 * split (3 hot adapters share 60%, 5 warm ones 30%, 7 cold ones 10%); engines hold max_loras 4
 * adapters at once and take 20 ms to load one into a slot (the preset's 0 ms would hide the cost).
 */
import type { Random } from "../../../../src/core/random.js";
import { pseudoText } from "./pseudo-text.js";
import { sharegptLengths } from "./sharegpt.js";
import { contentOf, type Workload } from "./workload.js";

const tiers = [
  { share: 0.6, adapters: 3 },
  { share: 0.3, adapters: 5 },
  { share: 0.1, adapters: 7 },
] as const;

/** An adapter name drawn with the 60/30/10 split. */
export function drawAdapter(random: Random): string {
  let u = random.next();
  let first = 0;
  for (const t of tiers) {
    if (u < t.share || t === tiers[tiers.length - 1]) {
      const i = Math.min(t.adapters - 1, Math.floor((u / t.share) * t.adapters));
      return `adapter-${first + Math.max(0, i)}`;
    }
    u -= t.share;
    first += t.adapters;
  }
  return "adapter-0";
}

export const loraWorkload: Workload = {
  name: "lora",
  description:
    "ShareGPT-like lengths, 15 LoRA adapters: 3 hot (60%), 5 warm (30%), 7 cold (10%); max_loras 4, 20 ms adapter load",
  engine: { maxLoras: 4, loraLoadMs: 20 },
  contents(random) {
    return () => {
      const { prompt, output } = sharegptLengths(random);
      const adapter = drawAdapter(random);
      return contentOf([pseudoText(random, prompt * 4)], adapter, adapter, output);
    };
  },
};
