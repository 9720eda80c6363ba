/**
 * shared-prefix: modelled on inference-perf's shared_prefix data: 150 groups x 5 prompts; each group
 * has a 6,000-character system prompt, each prompt a 1,200-character question; a request is a
 * uniformly drawn (group, question) pair (~1,800 prompt tokens, 1,500 of them shareable) with a
 * fixed 256-token answer. The 750 prompts are hashed once per run point.
 */
import { pseudoText } from "./pseudo-text.js";
import { BASE_MODEL, contentOf, type RequestContent, type Workload } from "./workload.js";

export const sharedPrefixShape = {
  groups: 150,
  promptsPerGroup: 5,
  systemPromptChars: 6_000,
  questionChars: 1_200,
  outputTokens: 256,
} as const;

export const sharedPrefixWorkload: Workload = {
  name: "shared-prefix",
  description:
    "inference-perf shared_prefix-like: 150 groups x 5 prompts, 6,000-char system prompt per group + 1,200-char question (~1,800 tokens), 256 output tokens, uniform over the 750 prompts",
  contents(random) {
    const s = sharedPrefixShape;
    const prompts: RequestContent[] = [];
    for (let g = 0; g < s.groups; g++) {
      const system = pseudoText(random, s.systemPromptChars);
      for (let q = 0; q < s.promptsPerGroup; q++) {
        const question = pseudoText(random, s.questionChars);
        prompts.push(contentOf([system, question], BASE_MODEL, undefined, s.outputTokens));
      }
    }
    return () => prompts[Math.floor(random.next() * prompts.length)]!;
  },
};
