/**
 * Step time from a roofline model: a step reads all weights plus the KV cache of every scheduled
 * sequence from HBM, and does 2 × params FLOPs per scheduled token; it takes whichever is longer,
 * plus a fixed overhead. Attention FLOPs (small next to the weight GEMMs below a few thousand tokens
 * of context) are left out.
 */
import type { EnginePreset } from "./presets.js";

/** The preset figures the roofline needs. */
export type RooflineFigures = Pick<
  EnginePreset,
  | "params"
  | "weightBytes"
  | "kvBytesPerToken"
  | "hbmBytesPerSec"
  | "peakFlops"
  | "memoryEfficiency"
  | "computeEfficiency"
  | "stepOverheadMs"
>;

/**
 * Duration of one step in ms.
 * @param batchTokens tokens computed in the step (1 per decoding sequence + prefill chunk tokens)
 * @param contextTokens KV tokens the step's attention reads: per scheduled sequence, its context
 *   including the tokens of this step
 */
export type StepTimeFn = (batchTokens: number, contextTokens: number) => number;

/**
 * @example
 * const stepMs = createRoofline(presets["llama2-7b-h100"]);
 * stepMs(1, 500); // ≈ 7.1 ms: one decode token at 500 tokens of context
 */
export function createRoofline(f: RooflineFigures): StepTimeFn {
  const bandwidth = f.hbmBytesPerSec * f.memoryEfficiency;
  const weightMs = (f.weightBytes / bandwidth) * 1000;
  const msPerContextToken = (f.kvBytesPerToken / bandwidth) * 1000;
  const msPerBatchToken = ((2 * f.params) / (f.peakFlops * f.computeEfficiency)) * 1000;
  const overhead = f.stepOverheadMs;
  return (batchTokens, contextTokens) =>
    Math.max(weightMs + contextTokens * msPerContextToken, batchTokens * msPerBatchToken) + overhead;
}
