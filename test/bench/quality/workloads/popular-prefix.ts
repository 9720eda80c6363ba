/**
 * popular-prefix: the setting of issue 17's own live measurement. Half of the requests open with one
 * of 20 popular system prompts (~600 tokens each, drawn uniformly); every request then carries its
 * own ShareGPT-shaped user turn and answer length (sharegpt.ts: means ~160 / ~340 tokens). So half of
 * the traffic can reuse a cached prefix of ~600 tokens, and the other half is unique text.
 *
 * Not on the matrix's default workload axis (the issue names six); the live cross-check runs it with
 * `--workload popular-prefix`, and the matrix with `--workload popular-prefix`.
 */
import { pseudoText } from "./pseudo-text.js";
import { sharegptLengths } from "./sharegpt.js";
import { BASE_MODEL, contentOf, type Workload } from "./workload.js";

export const popularPrefixShape = {
  systemPrompts: 20,
  systemPromptChars: 2_400,
  sharedShare: 0.5,
} as const;

export const popularPrefixWorkload: Workload = {
  name: "popular-prefix",
  description:
    "issue 17's live setting: half of the requests open with one of 20 system prompts of ~600 tokens; every request adds a unique ShareGPT-shaped turn (means ~160 prompt / ~340 output tokens)",
  contents(random) {
    const s = popularPrefixShape;
    const systems: string[] = [];
    for (let i = 0; i < s.systemPrompts; i++) systems.push(pseudoText(random, s.systemPromptChars));
    return () => {
      const { prompt, output } = sharegptLengths(random);
      const turn = pseudoText(random, prompt * 4);
      if (random.next() >= s.sharedShare) return contentOf([turn], BASE_MODEL, undefined, output);
      const system = systems[Math.floor(random.next() * systems.length)]!;
      return contentOf([system, turn], BASE_MODEL, undefined, output);
    };
  },
};
