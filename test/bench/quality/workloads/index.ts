/** The benchmark's workloads by name. */
import { agenticWorkload } from "./agentic.js";
import { burstyWorkload } from "./bursty.js";
import { loraWorkload } from "./lora.js";
import { multiTurnWorkload } from "./multi-turn.js";
import { sharedPrefixWorkload } from "./shared-prefix.js";
import { sharegptWorkload } from "./sharegpt.js";
import type { Workload } from "./workload.js";

export const workloads: ReadonlyMap<string, Workload> = new Map(
  [
    sharegptWorkload,
    sharedPrefixWorkload,
    multiTurnWorkload,
    loraWorkload,
    agenticWorkload,
    burstyWorkload,
  ].map((w) => [w.name, w]),
);
