/**
 * Hardware and model figures of the simulator's presets. Step times come from these figures through
 * the roofline model (roofline.ts), so every number here is written down with its source.
 *
 * | preset           | model                       | params  | weights  | KV/token            | GPU                  | HBM       | peak FLOPS        | KV blocks (16 tok) |
 * |------------------|-----------------------------|---------|----------|---------------------|----------------------|-----------|-------------------|--------------------|
 * | `llama2-7b-h100` | Llama-2-7B fp16, 32 layers, hidden 4096, MHA 32 heads | 6.74e9 | 13.48 GB | 2·32·4096·2 B = 512 KiB | H100-SXM 80 GiB | 3.35 TB/s | 989 TFLOPS bf16 dense | 7,353 (117,648 tokens) |
 * | `llama3-8b-h100` | Llama-3-8B bf16, 32 layers, hidden 4096, GQA 8 KV heads × 128 | 8.03e9 | 16.06 GB | 2·32·8·128·2 B = 128 KiB | H100-SXM 80 GiB | 3.35 TB/s | 989 TFLOPS | 28,181 (450,896 tokens) |
 * | `demo`           | a made-up 1B model, 16 layers, hidden 4096, MHA | 1e9 | 2 GB | 2·16·4096·2 B = 256 KiB | a made-up 3 GiB GPU | 100 GB/s | 20 TFLOPS | 150 (2,400 tokens) |
 *
 * Shared serving figures: gpu_memory_utilization 0.9; activation reserve 2 GiB on the H100 (peak
 * activations of an 8,192-token batch, CUDA graphs and the non-torch allocations vLLM profiles before
 * sizing the KV cache), 256 MiB on the demo GPU; efficiency 0.8 of HBM bandwidth and 0.55 of peak
 * FLOPS; 2 ms fixed overhead per step (scheduler, sampling, kernel launches: what is left of a real
 * vLLM step at batch 1 once the weight read is taken out). KV blocks =
 * floor((0.9 × GPU memory − weights − reserve) / (16 × KV bytes per token)).
 */

/** The figures that define a simulated model server. Units are bytes, bytes/s, FLOP/s and ms. */
export interface EnginePreset {
  /** Model parameters (FLOPs per token = 2 × params). */
  params: number;
  /** Bytes of weights read from HBM once per step. */
  weightBytes: number;
  /** KV-cache bytes per token: 2 (K and V) × layers × KV heads × head dim × bytes per value. */
  kvBytesPerToken: number;
  /** The model's context window (prompt + output tokens); capped by the KV capacity. */
  maxModelLen: number;
  /** GPU memory in bytes. */
  gpuMemoryBytes: number;
  /** HBM bandwidth in bytes per second (peak). */
  hbmBytesPerSec: number;
  /** Dense bf16/fp16 tensor FLOP/s (peak). */
  peakFlops: number;
  /** Fraction of GPU memory vLLM may use (`--gpu-memory-utilization`). */
  gpuMemoryUtilization: number;
  /** Bytes kept for activations, CUDA graphs and non-torch allocations. */
  activationReserveBytes: number;
  /** Achieved fraction of HBM bandwidth. */
  memoryEfficiency: number;
  /** Achieved fraction of peak FLOPS. */
  computeEfficiency: number;
  /** Fixed time added to every step, ms. */
  stepOverheadMs: number;
  /** Tokens per KV block (vLLM default 16). */
  blockSize: number;
  /** Token budget of one step (`--max-num-batched-tokens`, chunked prefill). */
  maxNumBatchedTokens: number;
  /** Sequences per step (`--max-num-seqs`). */
  maxNumSeqs: number;
  /** LoRA adapters in one batch (`--max-loras`; vLLM's default is 1; 0 disables LoRA). */
  maxLoras: number;
  /** Time added to a step that brings an adapter into a GPU slot, ms. */
  loraLoadMs: number;
}

const GiB = 1024 ** 3;

/** NVIDIA H100-SXM5-80GB: 80 GiB HBM3 at 3.35 TB/s, 989 TFLOPS dense bf16 (datasheet). */
const h100 = { gpuMemoryBytes: 80 * GiB, hbmBytesPerSec: 3.35e12, peakFlops: 989e12 } as const;

const serving = {
  gpuMemoryUtilization: 0.9,
  activationReserveBytes: 2 * GiB,
  memoryEfficiency: 0.8,
  computeEfficiency: 0.55,
  stepOverheadMs: 2,
  blockSize: 16,
  maxNumBatchedTokens: 8192,
  maxNumSeqs: 256,
  maxLoras: 4,
  loraLoadMs: 0,
} as const;

/** The built-in presets; see the table above. */
export const presets = {
  "llama2-7b-h100": {
    ...h100,
    ...serving,
    params: 6.74e9,
    weightBytes: 6.74e9 * 2,
    kvBytesPerToken: 2 * 32 * 4096 * 2,
    maxModelLen: 4096,
  },
  "llama3-8b-h100": {
    ...h100,
    ...serving,
    params: 8.03e9,
    weightBytes: 8.03e9 * 2,
    kvBytesPerToken: 2 * 32 * 8 * 128 * 2,
    maxModelLen: 8192,
  },
  demo: {
    ...serving,
    gpuMemoryBytes: 3 * GiB,
    hbmBytesPerSec: 100e9,
    peakFlops: 20e12,
    activationReserveBytes: 0.25 * GiB,
    params: 1e9,
    weightBytes: 2e9,
    kvBytesPerToken: 2 * 16 * 4096 * 2,
    maxModelLen: 2048,
    maxNumBatchedTokens: 2048,
    maxNumSeqs: 32,
    maxLoras: 2,
  },
} as const satisfies Record<string, EnginePreset>;

/** Names of the built-in presets. */
export type PresetName = keyof typeof presets;

/** KV blocks that fit in what is left of GPU memory after weights and the activation reserve. */
export function kvBlocksOf(p: EnginePreset): number {
  const kvBytes = p.gpuMemoryBytes * p.gpuMemoryUtilization - p.weightBytes - p.activationReserveBytes;
  return Math.floor(kvBytes / (p.blockSize * p.kvBytesPerToken));
}
