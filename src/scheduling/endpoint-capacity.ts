/**
 * An endpoint's capacity, from the labels its producer pushes in the snapshot: explicit figures
 * (`inference-router.dev/prefill-tokens-per-second`, `.../decode-tokens-per-second`, `.../kv-tokens`)
 * win; else an accelerator name (`inference-router.dev/accelerator`, or the node labels
 * `nvidia.com/gpu.product` / `cloud.google.com/gke-accelerator` when the agent copies them) looked up
 * in the accelerator table; else nothing (the endpoint counts as the reference accelerator).
 * Malformed figures are ignored (the accelerator, or the reference, is used instead).
 */
import {
  type AcceleratorFigures,
  builtinAccelerators,
  findAccelerator,
  referenceAccelerator,
} from "./accelerators.js";

export const ACCELERATOR_LABEL = "inference-router.dev/accelerator";
export const PREFILL_TPS_LABEL = "inference-router.dev/prefill-tokens-per-second";
export const DECODE_TPS_LABEL = "inference-router.dev/decode-tokens-per-second";
export const KV_TOKENS_LABEL = "inference-router.dev/kv-tokens";
/** Node labels an agent may copy onto the endpoint (NVIDIA GPU feature discovery, GKE). */
export const GPU_PRODUCT_LABELS: readonly string[] = [
  "nvidia.com/gpu.product",
  "cloud.google.com/gke-accelerator",
];

/** What an endpoint can do, and what it is. */
export interface EndpointCapacity extends AcceleratorFigures {
  /** The table name, when the capacity comes from an accelerator; undefined for explicit figures only. */
  accelerator: string | undefined;
  /**
   * Speed relative to the reference accelerator for a request of average shape: the harmonic mean of
   * the prefill and decode ratios (a request's time is prefill work / prefill rate + decode work /
   * decode rate). 1 = as fast as an H100; 0.11 = an L4.
   */
  relativeSpeed: number;
  /** True when no label said anything: the reference figures are assumed. */
  assumed: boolean;
}

type Table = Readonly<Record<string, AcceleratorFigures>>;

function positive(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  return Number.isFinite(v) && v > 0 && v < 1e12 ? v : undefined;
}

function speedOf(f: AcceleratorFigures, ref: AcceleratorFigures): number {
  const p = f.prefillTokensPerSecond / ref.prefillTokensPerSecond;
  const d = f.decodeTokensPerSecond / ref.decodeTokensPerSecond;
  return 2 / (1 / p + 1 / d);
}

/** The capacity the labels describe (see the file comment), against `table`. */
export function capacityFromLabels(
  labels: Readonly<Record<string, string>>,
  table: Table = builtinAccelerators,
): EndpointCapacity {
  const ref = table[referenceAccelerator] ?? builtinAccelerators[referenceAccelerator]!;
  let found: { name: string; figures: AcceleratorFigures } | undefined;
  const named = labels[ACCELERATOR_LABEL];
  if (named !== undefined) found = findAccelerator(named, table);
  for (let i = 0; !found && i < GPU_PRODUCT_LABELS.length; i++) {
    const v = labels[GPU_PRODUCT_LABELS[i]!];
    if (v !== undefined) found = findAccelerator(v, table);
  }
  const base = found?.figures ?? ref;
  const prefill = positive(labels[PREFILL_TPS_LABEL]);
  const decode = positive(labels[DECODE_TPS_LABEL]);
  const kv = positive(labels[KV_TOKENS_LABEL]);
  const figures: AcceleratorFigures = {
    ...base,
    prefillTokensPerSecond: prefill ?? base.prefillTokensPerSecond,
    decodeTokensPerSecond: decode ?? base.decodeTokensPerSecond,
    kvTokens: kv ?? base.kvTokens,
  };
  // An explicit decode rate scales the lone-request step with it (memory-bound both).
  if (decode !== undefined) figures.decodeStepMs = (base.decodeStepMs * base.decodeTokensPerSecond) / decode;
  const explicit = prefill !== undefined || decode !== undefined || kv !== undefined;
  return {
    ...figures,
    accelerator: found?.name ?? (explicit ? undefined : referenceAccelerator),
    relativeSpeed: speedOf(figures, ref),
    assumed: !found && !explicit,
  };
}

const referenceCapacity = capacityFromLabels({});
const cache = new WeakMap<object, EndpointCapacity>();

/** Whether any capacity label is present (the common unlabelled case costs four property reads). */
function hasCapacityLabels(labels: Readonly<Record<string, string>>): boolean {
  return (
    labels[ACCELERATOR_LABEL] !== undefined ||
    labels[PREFILL_TPS_LABEL] !== undefined ||
    labels[DECODE_TPS_LABEL] !== undefined ||
    labels[KV_TOKENS_LABEL] !== undefined ||
    labels[GPU_PRODUCT_LABELS[0]!] !== undefined ||
    labels[GPU_PRODUCT_LABELS[1]!] !== undefined
  );
}

/**
 * The endpoint's capacity with the built-in table, cached per labels object (a push that changes
 * labels brings a new object).
 */
export function endpointCapacity(e: { readonly labels: Readonly<Record<string, string>> }): EndpointCapacity {
  const labels = e.labels;
  if (!hasCapacityLabels(labels)) return referenceCapacity;
  let c = cache.get(labels);
  if (c === undefined) {
    c = capacityFromLabels(labels);
    cache.set(labels, c);
  }
  return c;
}

/** Speed relative to the reference accelerator (1 for an unlabelled endpoint). */
export function relativeSpeed(e: { readonly labels: Readonly<Record<string, string>> }): number {
  const labels = e.labels;
  return hasCapacityLabels(labels) ? endpointCapacity(e).relativeSpeed : 1;
}
