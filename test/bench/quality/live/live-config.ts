/** Writes a router config directory for one live run: the pool, the RouterConfig and the strategy. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";

/** The pool every live run uses. */
export const LIVE_POOL = "quality-pool";

/**
 * Writes pool.yaml, router.yaml and scheduler.yaml into `dir`. Throws for a strategy without a
 * scheduler config (kubernetes-service: in a live run nginx round-robin is the baseline).
 */
export async function writeConfigDir(
  dir: string,
  schedulerConfig: unknown,
  replicaPorts: readonly number[],
): Promise<void> {
  if (schedulerConfig === undefined) {
    throw new Error(
      "--strategies: this strategy has no scheduler config (the simulated client picks); the live run cannot start a router for it",
    );
  }
  await mkdir(dir, { recursive: true });
  const docs: Record<string, unknown> = {
    "pool.yaml": {
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: LIVE_POOL },
      spec: {
        selector: { matchLabels: { app: LIVE_POOL } },
        targetPorts: replicaPorts.map((number) => ({ number })),
      },
    },
    "router.yaml": {
      apiVersion: "inference-router.dev/v1alpha1",
      kind: "RouterConfig",
      metadata: { name: "quality-router" },
      spec: { scheduler: { configRef: "quality-scheduler", profile: "default" } },
    },
    "scheduler.yaml": {
      apiVersion: "inference.networking.x-k8s.io/v1alpha1",
      kind: "EndpointPickerConfig",
      metadata: { name: "quality-scheduler" },
      ...(schedulerConfig as object),
    },
  };
  for (const [file, doc] of Object.entries(docs)) await writeFile(join(dir, file), stringify(doc));
}

/**
 * Writes pool.yaml and router.yaml into `dir` for a router running the built-in scheduler config
 * `builtin` (RouterConfig spec.scheduler.builtin), with no EndpointPickerConfig: what a user gets
 * without tuning anything.
 */
export async function writeBuiltinConfigDir(
  dir: string,
  builtin: string,
  replicaPorts: readonly number[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const docs: Record<string, unknown> = {
    "pool.yaml": {
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: LIVE_POOL },
      spec: {
        selector: { matchLabels: { app: LIVE_POOL } },
        targetPorts: replicaPorts.map((number) => ({ number })),
      },
    },
    "router.yaml": {
      apiVersion: "inference-router.dev/v1alpha1",
      kind: "RouterConfig",
      metadata: { name: "quality-router" },
      spec: { scheduler: { builtin } },
    },
  };
  for (const [file, doc] of Object.entries(docs)) await writeFile(join(dir, file), stringify(doc));
}
