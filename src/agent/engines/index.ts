/** The engine mappings the agent can use, by engine kind. */
import type { EngineKind, EngineMapping } from "./engine-mapping.js";
import { sglangMapping } from "./sglang.js";
import { trtllmMapping } from "./trtllm.js";
import { vllmMapping } from "./vllm.js";

export type { EngineKind, EngineMapping } from "./engine-mapping.js";

/** Every mapping, keyed by the `--engine` value. */
export const engineMappings: Readonly<Record<EngineKind, EngineMapping>> = {
  vllm: vllmMapping,
  sglang: sglangMapping,
  trtllm: trtllmMapping,
};

/** True for "vllm", "sglang" and "trtllm". */
export function isEngineKind(value: string): value is EngineKind {
  return Object.hasOwn(engineMappings, value);
}
