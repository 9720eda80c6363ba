/** The benchmark's workloads by name. */
import { agenticWorkload } from "./agentic.js";
import { burstyWorkload } from "./bursty.js";
import { loraWorkload } from "./lora.js";
import { multiTurnWorkload } from "./multi-turn.js";
import { popularPrefixWorkload } from "./popular-prefix.js";
import { sharedPrefixWorkload } from "./shared-prefix.js";
import { sharegptWorkload } from "./sharegpt.js";
import type { Workload } from "./workload.js";

/** The matrix's six workloads (issue 17's names), its default workload axis. */
const matrixSix: readonly Workload[] = [
  sharegptWorkload,
  sharedPrefixWorkload,
  multiTurnWorkload,
  loraWorkload,
  agenticWorkload,
  burstyWorkload,
];

/** The matrix's default workload axis. */
export const matrixWorkloads: readonly string[] = matrixSix.map((w) => w.name);

/** Every workload by name: the matrix's six and those run only when named (popular-prefix). */
export const workloads: ReadonlyMap<string, Workload> = new Map(
  [...matrixSix, popularPrefixWorkload].map((w) => [w.name, w]),
);
