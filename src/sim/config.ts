/**
 * Engine options -> a fully resolved, validated engine configuration (preset figures, overrides and
 * the derived KV block count).
 */
import { RouterError } from "../core/errors.js";
import { type EnginePreset, kvBlocksOf, type PresetName, presets } from "./presets.js";
import type { SchedulingPolicy } from "./waiting-queue.js";

/**
 * Options of `createEngine`: a preset name plus any figure to override.
 *
 * @example
 * createEngine({ preset: "llama3-8b-h100", maxNumSeqs: 128 });
 * createEngine({ preset: "demo", numBlocks: 40 }); // a tiny KV cache: queues and preemptions
 */
export interface EngineOptions extends Partial<EnginePreset> {
  /** Preset to start from. Default `llama2-7b-h100`. */
  preset?: PresetName;
  /** KV blocks; default derived from memory figures (see `kvBlocksOf`). */
  numBlocks?: number;
  /** Step-time noise: each step lasts × (1 ± stepJitter), uniform; drawn from the injected Random. Default 0. */
  stepJitter?: number;
  /**
   * vLLM's `--scheduling-policy`: `fcfs` (default; a request with a non-zero `priority` is refused)
   * or `priority` (waiting queue by priority then arrival, lower first; preemption takes the running
   * request with the highest (priority, arrival)).
   */
  schedulingPolicy?: SchedulingPolicy;
}

/** The resolved configuration an engine runs with. */
export interface EngineConfig extends EnginePreset {
  preset: PresetName;
  numBlocks: number;
  stepJitter: number;
  schedulingPolicy: SchedulingPolicy;
}

type Rule = "positive" | "nonNegative" | "int" | "nonNegativeInt" | "fraction";

const rules: Readonly<Record<keyof EnginePreset | "numBlocks" | "stepJitter", Rule>> = {
  params: "positive",
  weightBytes: "nonNegative",
  kvBytesPerToken: "positive",
  maxModelLen: "int",
  gpuMemoryBytes: "positive",
  hbmBytesPerSec: "positive",
  peakFlops: "positive",
  gpuMemoryUtilization: "fraction",
  activationReserveBytes: "nonNegative",
  memoryEfficiency: "fraction",
  computeEfficiency: "fraction",
  stepOverheadMs: "nonNegative",
  blockSize: "int",
  maxNumBatchedTokens: "int",
  maxNumSeqs: "int",
  maxLoras: "nonNegativeInt",
  loraLoadMs: "nonNegative",
  numBlocks: "int",
  stepJitter: "nonNegative",
};

function check(field: string, value: number, rule: Rule): void {
  const ok =
    Number.isFinite(value) &&
    (rule === "positive"
      ? value > 0
      : rule === "nonNegative"
        ? value >= 0
        : rule === "int"
          ? Number.isInteger(value) && value >= 1
          : rule === "nonNegativeInt"
            ? Number.isInteger(value) && value >= 0
            : value > 0 && value <= 1);
  if (!ok) {
    const want = {
      positive: "> 0",
      nonNegative: ">= 0",
      int: "an integer >= 1",
      nonNegativeInt: "an integer >= 0",
      fraction: "in (0, 1]",
    }[rule];
    throw new RouterError("BadRequest", `engine option ${field}: ${value} is not ${want}`, field);
  }
}

/** Fills defaults from the preset, derives `numBlocks`, caps `maxModelLen`, and names any bad field. */
export function resolveEngineConfig(options: EngineOptions = {}): EngineConfig {
  const presetName = options.preset ?? "llama2-7b-h100";
  const preset: EnginePreset | undefined = presets[presetName];
  if (preset === undefined) {
    const known = Object.keys(presets).join(", ");
    throw new RouterError(
      "BadRequest",
      `engine option preset: unknown "${presetName}" (known: ${known})`,
      "preset",
    );
  }
  const merged: EnginePreset = { ...preset };
  for (const key of Object.keys(rules) as (keyof typeof rules)[]) {
    const v = options[key];
    if (v !== undefined) check(key, v, rules[key]);
    if (v !== undefined && key !== "numBlocks" && key !== "stepJitter") merged[key] = v;
  }
  const numBlocks = options.numBlocks ?? kvBlocksOf(merged);
  if (numBlocks < 1) {
    throw new RouterError(
      "BadRequest",
      `engine: no room for a KV cache: weights ${merged.weightBytes} B + reserve ${merged.activationReserveBytes} B exceed ${merged.gpuMemoryUtilization} × ${merged.gpuMemoryBytes} B`,
      "numBlocks",
    );
  }
  const stepJitter = options.stepJitter ?? 0;
  if (stepJitter >= 1)
    throw new RouterError("BadRequest", `engine option stepJitter: ${stepJitter} is not < 1`, "stepJitter");
  const schedulingPolicy = options.schedulingPolicy ?? "fcfs";
  if (schedulingPolicy !== "fcfs" && schedulingPolicy !== "priority") {
    throw new RouterError(
      "BadRequest",
      `engine option schedulingPolicy: "${String(schedulingPolicy)}" is not fcfs or priority`,
      "schedulingPolicy",
    );
  }
  const maxModelLen = Math.min(merged.maxModelLen, numBlocks * merged.blockSize);
  return { ...merged, preset: presetName, numBlocks, stepJitter, maxModelLen, schedulingPolicy };
}
