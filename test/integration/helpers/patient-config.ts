/**
 * A config directory with the minimal example's pool and staleness far beyond any test's length, so
 * a test that pushes once and reads later sees the same fresh endpoints on a loaded machine.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./spawn-cli.js";

/** Writes the directory and returns its path (pool `pool-a`, staleness and expiry 10 min). */
export function patientConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "patient-config-"));
  copyFileSync(join(repoRoot, "runtimes/node/examples/minimal/pool.yaml"), join(dir, "pool.yaml"));
  writeFileSync(
    join(dir, "router.yaml"),
    "apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec:\n  state:\n    stalenessMs: 600000\n    expiryMs: 600000\n",
  );
  return dir;
}
