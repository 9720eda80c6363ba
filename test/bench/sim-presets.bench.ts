/**
 * The simulator presets' headline figures (not a test): a lone request's TTFT and TPOT, and decode
 * throughput as the batch grows, straight from the engine model. The README's preset table quotes it.
 * Run: npm run bench:sim
 */

import { createEngine, kvBlocksOf, type PresetName, presets, runToCompletion } from "../../src/sim/index.js";
import { helpOrRun } from "./bench-help.js";

helpOrRun(`npm run bench:sim

The simulator presets' headline figures from the engine model: a lone request's TTFT and TPOT, and
decode throughput at batch 1 / 8 / 64 / 256.

  --help`);

const names = Object.keys(presets) as PresetName[];
console.log(
  "| preset | KV blocks | lone 160/340-token request: TTFT ms | TPOT ms | tokens/s at batch 1 / 8 / 64 / 256 |",
);
console.log("|---|---:|---:|---:|---|");
for (const name of names) {
  const lone = runToCompletion(createEngine({ preset: name }), [
    { id: "lone", promptTokens: 160, maxTokens: 340, arrivalMs: 0 },
  ]).outcomes[0]!;
  const rates = [1, 8, 64, 256].map((batch) => {
    const engine = createEngine({ preset: name });
    const n = Math.min(batch, engine.config.maxNumSeqs);
    const run = runToCompletion(
      engine,
      Array.from({ length: n }, (_, i) => ({ id: `r${i}`, promptTokens: 160, maxTokens: 200, arrivalMs: 0 })),
    );
    return Math.round((n * 200) / (run.endMs / 1000));
  });
  console.log(
    `| ${name} | ${kvBlocksOf(presets[name])} | ${lone.ttftMs.toFixed(2)} | ${lone.tpotMs.toFixed(2)} | ${rates.join(" / ")} |`,
  );
}
