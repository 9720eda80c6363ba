/** The model-server simulator's engine: a vLLM-like engine model for virtual and real time. */
export { BlockPool } from "./block-pool.js";
export { type EngineConfig, type EngineOptions, resolveEngineConfig } from "./config.js";
export { defaultKvLinkBytesPerSec, kvTransferMs, roleLabels, type SimRole, simRoles } from "./disagg.js";
export { type RequestOutcome, type RunSummary, runToCompletion, type TimedRequest } from "./driver.js";
export { createEngine, type EngineDeps } from "./engine.js";
export type { Engine, EngineMetrics, EngineRequest, StepResult } from "./engine-types.js";
export { chainBlockKeys, charsPerToken, promptFromText } from "./prefix-keys.js";
export { type EnginePreset, kvBlocksOf, type PresetName, presetAccelerators, presets } from "./presets.js";
export { createRoofline, type RooflineFigures, type StepTimeFn } from "./roofline.js";
export type { SchedulingPolicy } from "./waiting-queue.js";
