/**
 * The engine axis of the matrix: model-server setups built from the `llama2-7b-h100` preset by
 * overrides, so each stresses another resource. Overrides live here (not as src/sim presets)
 * because they are benchmark scenarios, not hardware: only the heterogeneous pool's GPUs are
 * hardware, given by their datasheet figures.
 */
import type { EngineOptions, PresetName } from "../../../src/sim/index.js";

/** One engine setup of the matrix. */
export interface EngineProfile {
  name: string;
  /** One line for the report. */
  description: string;
  preset: PresetName;
  /** Overrides per replica, cycled over the pool (one entry = every replica alike). */
  replicas: readonly EngineOptions[];
  /** Replicas in the pool, overriding --replicas (the small-pool points of --quick). */
  poolSize?: number;
}

/** NVIDIA A100-SXM4-80GB: 2.039 TB/s HBM2e, 312 TFLOPS dense bf16 (datasheet). */
const a100: EngineOptions = { hbmBytesPerSec: 2.039e12, peakFlops: 312e12 };
/** NVIDIA L40S: 48 GB GDDR6 at 864 GB/s, 362 TFLOPS dense bf16 (datasheet). */
const l40s: EngineOptions = { gpuMemoryBytes: 48e9, hbmBytesPerSec: 864e9, peakFlops: 362e12 };

/** KV blocks of the kv-bound engine: 512 x 16 = 8,192 tokens (a few long prompts at once). */
export const kvBoundBlocks = 512;
/** Sequences per step of the seq-bound engine: the upstream inference simulator's default. */
export const seqBoundMaxNumSeqs = 5;

export const engineProfiles: ReadonlyMap<string, EngineProfile> = new Map(
  (
    [
      {
        name: "h100",
        description:
          "llama2-7b-h100 as is: 7,353 KV blocks (117,648 tokens), 256 sequences, 8,192 batched tokens",
        preset: "llama2-7b-h100",
        replicas: [{}],
      },
      {
        name: "kv-bound",
        description: `llama2-7b-h100 with ${kvBoundBlocks} KV blocks (${kvBoundBlocks * 16} tokens): KV pressure and preemptions come first`,
        preset: "llama2-7b-h100",
        replicas: [{ numBlocks: kvBoundBlocks }],
      },
      {
        name: "seq-bound",
        description: `llama2-7b-h100 with max_num_seqs ${seqBoundMaxNumSeqs} (the upstream inference simulator's default): queues form at 5 running requests`,
        preset: "llama2-7b-h100",
        replicas: [{ maxNumSeqs: seqBoundMaxNumSeqs }],
      },
      {
        name: "hetero",
        description:
          "Llama-2-7B on H100, A100-80GB and L40S in turn (HBM 3.35 / 2.04 / 0.86 TB/s; the L40S has 48 GB): replicas of different speeds and KV sizes",
        preset: "llama2-7b-h100",
        replicas: [{}, a100, l40s],
      },
    ] satisfies EngineProfile[]
  ).map((e) => [e.name, e]),
);

/** How many times slower the slow replicas of the live run's heterogeneous pool are. */
export const liveSlowdown = 3;

/**
 * Engines of the live cross-check (bench:quality:live), not on the matrix's engine axis: their
 * virtual-time twins give round-robin's capacity, from which the live run sets its load.
 * hetero-speed: every other replica `liveSlowdown` times slower in every step (HBM, FLOPS / 3, step
 * overhead x 3), as the live run's sim processes at 3x the time scale are.
 */
export const liveEngineProfiles: ReadonlyMap<string, EngineProfile> = new Map([
  [
    "hetero-speed",
    {
      name: "hetero-speed",
      description: `llama2-7b-h100, every other replica ${liveSlowdown}x slower in every step (the live run's heterogeneous pool)`,
      preset: "llama2-7b-h100",
      replicas: [
        {},
        {
          hbmBytesPerSec: 3.35e12 / liveSlowdown,
          peakFlops: 989e12 / liveSlowdown,
          stepOverheadMs: 2 * liveSlowdown,
        },
      ],
    },
  ],
]);

/** Replicas of the small-pool engines: the live cross-check's pool. */
export const smallPoolSize = 4;

/**
 * Small-pool twins of matrix engines (named `<engine>-x4`), not on the engine axis: `--quick` adds
 * one point on each (matrix.ts `smallPoolAnchors`). On 4 replicas a prefix holder is often full,
 * where 10 replicas hide it: the live KV-bound pool's loss shows here.
 */
export const smallPoolEngineProfiles: ReadonlyMap<string, EngineProfile> = new Map(
  [...engineProfiles.values()].map((e) => {
    const name = `${e.name}-x${smallPoolSize}`;
    const profile: EngineProfile = {
      ...e,
      name,
      description: `${e.description}; a pool of ${smallPoolSize} replicas`,
      poolSize: smallPoolSize,
    };
    return [name, profile];
  }),
);

/** The profile named `name`; throws naming the known ones. */
export function engineProfile(name: string): EngineProfile {
  const e = engineProfiles.get(name) ?? liveEngineProfiles.get(name) ?? smallPoolEngineProfiles.get(name);
  if (!e) throw new Error(`--engines: unknown "${name}" (known: ${[...engineProfiles.keys()].join(", ")})`);
  return e;
}
