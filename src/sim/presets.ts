/**
 * Hardware and model figures of the simulator's presets. Step times come from these figures through
 * the roofline model (roofline.ts); src/sim/README.md has the same table with the resulting latencies.
 *
 * | figure                    | `llama2-7b-h100`          | `llama3-8b-h100`             | `demo`                   |
 * |---------------------------|---------------------------|------------------------------|--------------------------|
 * | model                     | Llama-2-7B fp16           | Llama-3-8B bf16              | made-up 1B fp16          |
 * | layers × hidden           | 32 × 4096, 32 KV heads    | 32 × 4096, 8 KV heads × 128  | 16 × 4096, MHA           |
 * | params                    | 6.74e9                    | 8.03e9                       | 1e9                      |
 * | weights (params × 2 B)    | 13.48 GB                  | 16.06 GB                     | 2 GB                     |
 * | KV per token              | 2·32·4096·2 B = 512 KiB   | 2·32·8·128·2 B = 128 KiB     | 2·16·4096·2 B = 256 KiB  |
 * | max model len             | 4,096                     | 8,192                        | 2,048                    |
 * | GPU                       | H100-SXM5, 80 GiB         | H100-SXM5, 80 GiB            | made-up, 3 GiB           |
 * | HBM bandwidth             | 3.35 TB/s                 | 3.35 TB/s                    | 100 GB/s                 |
 * | peak FLOPS (dense bf16)   | 989 TFLOPS                | 989 TFLOPS                   | 20 TFLOPS                |
 * | activation reserve        | 2 GiB                     | 2 GiB                        | 256 MiB                  |
 * | KV blocks of 16 tokens    | 7,353 (117,648 tokens)    | 28,181 (450,896 tokens)      | 150 (2,400 tokens)       |
 * | max num seqs / batched tk | 256 / 8,192               | 256 / 8,192                  | 32 / 2,048               |
 * | max LoRAs                 | 4                         | 4                            | 2                        |
 *
 * Shared: gpu_memory_utilization 0.9; efficiency 0.8 of HBM bandwidth and 0.55 of peak FLOPS; 2 ms
 * fixed overhead per step (scheduler, sampling, kernel launches: what is left of a real vLLM step at
 * batch 1 once the weight read is taken out). The activation reserve stands for the peak activations
 * of a full token budget, CUDA graphs and non-torch allocations that vLLM profiles before sizing the
 * KV cache. KV blocks = floor((0.9 × GPU memory − weights − reserve) / (16 × KV bytes per token)).
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
/** NVIDIA A100-SXM4-80GB: 80 GiB HBM2e at 2.039 TB/s, 312 TFLOPS dense bf16 (datasheet). */
const a100 = { gpuMemoryBytes: 80 * GiB, hbmBytesPerSec: 2.039e12, peakFlops: 312e12 } as const;
/** NVIDIA L4: 24 GB GDDR6 at 300 GB/s, 121 TFLOPS dense bf16 (datasheet). */
const l4 = { gpuMemoryBytes: 24e9, hbmBytesPerSec: 300e9, peakFlops: 121e12 } as const;
/**
 * vLLM's batch defaults below 70 GiB or on an A100 (vllm arg_utils get_batch_defaults, OpenAI server):
 * 2,048 batched tokens, 256 sequences (../shared UPSTREAM 5.1).
 */
const smallGpuBatch = { maxNumBatchedTokens: 2048, maxNumSeqs: 256 } as const;
const llama3_8b = {
  params: 8.03e9,
  weightBytes: 8.03e9 * 2,
  kvBytesPerToken: 2 * 32 * 8 * 128 * 2,
  maxModelLen: 8192,
} as const;

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
  "llama3-8b-a100-80g": { ...a100, ...serving, ...smallGpuBatch, ...llama3_8b },
  "llama3-8b-l4": { ...l4, ...serving, ...smallGpuBatch, ...llama3_8b },
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

/**
 * The accelerator each preset stands for, in the router's accelerator table
 * (src/scheduling/accelerators.ts); a sim replica pushes it as `inference-router.dev/accelerator`.
 * The demo's made-up GPU has none.
 */
export const presetAccelerators: Readonly<Record<PresetName, string | undefined>> = {
  "llama2-7b-h100": "H100",
  "llama3-8b-h100": "H100",
  "llama3-8b-a100-80g": "A100-80G",
  "llama3-8b-l4": "L4",
  demo: undefined,
};

/** KV blocks that fit in what is left of GPU memory after weights and the activation reserve. */
export function kvBlocksOf(p: EnginePreset): number {
  const kvBytes = p.gpuMemoryBytes * p.gpuMemoryUtilization - p.weightBytes - p.activationReserveBytes;
  return Math.floor(kvBytes / (p.blockSize * p.kvBytesPerToken));
}
