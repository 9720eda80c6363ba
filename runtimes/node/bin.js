#!/usr/bin/env node
// Entry of the `inference-router` command. Runs the prebuilt bundle (cli.bundle.mjs, made by
// `npm run build`, which `npm ci` runs) when it is newer than every source file: plain Node starts in
// a fraction of the time and holds ~50 MB less than the TypeScript loader. Otherwise (a source file
// was edited since, or no build) it runs the TypeScript sources through tsx, so it is never stale.
// The image (runtimes/node/deploy/Dockerfile) ships the bundle without the sources and without tsx
// (a devDependency): with no source folder present, the bundle is current by definition.
import { existsSync, readdirSync, statSync } from "node:fs";
import v8 from "node:v8";

// V8 lets the old generation grow to up to 4x what survived the last full GC before the next one.
// Under 1,000 concurrent ext_proc streams that was ~100 MB of garbage held as RSS (bench:extproc
// closed1000: 161-172 MB, peaks of 218-239). At 2x: 151-159 MB (peaks 165-172) for the same CPU per
// request. 1.5x held less (134-148 MB) but ran a 10-17 ms full GC every 5-8 s at 1,000 req/s, which
// set that run's p99 (3-13 ms against 2-3.4 ms at 2x). INFERENCE_ROUTER_HEAP_GROWING_PERCENT
// overrides (0 = V8's own heuristic).
const growing = process.env.INFERENCE_ROUTER_HEAP_GROWING_PERCENT ?? "100";
if (!/^\d+$/.test(growing)) {
  process.stderr.write(
    `INFERENCE_ROUTER_HEAP_GROWING_PERCENT: "${growing}" must be a whole number of percent (0 = V8's default)\n`,
  );
  process.exit(2);
}
if (growing !== "0") v8.setFlagsFromString(`--heap-growing-percent=${growing}`);

const here = new URL("./", import.meta.url);
const bundle = new URL("cli.bundle.mjs", here);
const sourceDirs = ["../../src", "../node", "../sim", "../agent"].map((d) => new URL(`${d}/`, here));

function newestSource(dir, newest = 0) {
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) newest = newestSource(new URL(`${entry.name}/`, dir), newest);
    else if (entry.name.endsWith(".ts"))
      newest = Math.max(newest, statSync(new URL(entry.name, dir)).mtimeMs);
  }
  return newest;
}

function bundleIsFresh() {
  try {
    const built = statSync(bundle).mtimeMs;
    return sourceDirs.every((d) => newestSource(d) <= built);
  } catch {
    return false;
  }
}

if (process.env.INFERENCE_ROUTER_FROM_SOURCE !== "1" && bundleIsFresh()) {
  await import(bundle.href);
} else {
  let tsx;
  try {
    tsx = await import("tsx/esm/api");
  } catch {
    process.stderr.write(
      `inference-router: no current bundle (${bundle.pathname}) and no tsx to run the TypeScript sources: ` +
        "run `npm run build`, or install the devDependencies (`npm ci`)\n",
    );
    process.exit(1);
  }
  tsx.register();
  await import("./cli.ts");
}
