/**
 * What an accelerator can do for the reference model (Llama-3-8B bf16, vLLM-like serving), so the
 * router can compare endpoints on different hardware. Figures are derived from each GPU's datasheet
 * (HBM bandwidth, dense bf16 tensor FLOPS, memory) through the same roofline the simulator uses
 * (src/sim/roofline.ts: 0.55 of peak FLOPS, 0.8 of HBM bandwidth, 2 ms per step); sources and the
 * derivation are in ./README.md ("Heterogeneous pools"). Costs are indicative on-demand prices per GPU-hour, not quotes: set
 * your own (cost-aware-filter's `accelerators` parameter, or per endpoint with labels).
 */

/** One accelerator's figures. */
export interface AcceleratorFigures {
  /** Prompt tokens per second one GPU prefills (compute-bound). */
  prefillTokensPerSecond: number;
  /** Output tokens per second at a busy batch (64 sequences of 1,024 tokens of context). */
  decodeTokensPerSecond: number;
  /** KV-cache tokens (0.9 of memory less weights and a 2 GiB reserve, 128 KiB per token). */
  kvTokens: number;
  /** Time of one decode step of a lone request, ms (the TPOT floor). */
  decodeStepMs: number;
  /** Indicative cost, USD per GPU-hour. */
  costPerHour: number;
}

/** The built-in table: accelerator name -> figures. Names are matched case-insensitively. */
export const builtinAccelerators: Readonly<Record<string, AcceleratorFigures>> = {
  // NVIDIA H100 SXM5 80 GB: 3.35 TB/s HBM3, 989 TFLOPS dense bf16.
  H100: {
    prefillTokensPerSecond: 33_870,
    decodeTokensPerSecond: 5_715,
    kvTokens: 450_911,
    decodeStepMs: 8.04,
    costPerHour: 3.9,
  },
  // NVIDIA H200 SXM 141 GB: 4.8 TB/s HBM3e, 989 TFLOPS dense bf16.
  H200: {
    prefillTokensPerSecond: 33_870,
    decodeTokensPerSecond: 7_602,
    kvTokens: 829_258,
    decodeStepMs: 6.22,
    costPerHour: 4.6,
  },
  // NVIDIA A100 SXM4 80 GB: 2.039 TB/s HBM2e, 312 TFLOPS dense bf16.
  "A100-80G": {
    prefillTokensPerSecond: 10_685,
    decodeTokensPerSecond: 3_740,
    kvTokens: 450_911,
    decodeStepMs: 11.93,
    costPerHour: 2.5,
  },
  // NVIDIA L40S 48 GB: 864 GB/s GDDR6, 362 TFLOPS dense bf16.
  L40S: {
    prefillTokensPerSecond: 12_397,
    decodeTokensPerSecond: 1_699,
    kvTokens: 190_677,
    decodeStepMs: 25.43,
    costPerHour: 1.9,
  },
  // NVIDIA L4 24 GB: 300 GB/s GDDR6, 121 TFLOPS dense bf16.
  L4: {
    prefillTokensPerSecond: 4_144,
    decodeTokensPerSecond: 611,
    kvTokens: 25_882,
    decodeStepMs: 69.48,
    costPerHour: 0.8,
  },
};

/** The accelerator every load figure is expressed in (an unlabelled endpoint counts as one). */
export const referenceAccelerator = "H100";

/**
 * The table's entry for a label value: exact name (case-insensitive), else the first table name found
 * inside a product string such as `NVIDIA-H100-80GB-HBM3` (nvidia.com/gpu.product) or
 * `nvidia-l4` (cloud.google.com/gke-accelerator). "A100" alone means the 80 GB part.
 */
export function findAccelerator(
  value: string,
  table: Readonly<Record<string, AcceleratorFigures>> = builtinAccelerators,
): { name: string; figures: AcceleratorFigures } | undefined {
  const v = value.trim().toUpperCase();
  for (const name in table) if (name.toUpperCase() === v) return { name, figures: table[name]! };
  // Longest names first, so "L40S" wins over "L4" and "A100-80G" over nothing shorter.
  const names = Object.keys(table).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const stem = name.toUpperCase().replace(/-80G$/, "");
    const at = v.indexOf(stem);
    if (at < 0) continue;
    const next = v.charAt(at + stem.length);
    if (next === "" || !/[0-9A-Z]/.test(next)) return { name, figures: table[name]! };
  }
  return undefined;
}
