#!/usr/bin/env node
// Builds the CLI bundle (runtimes/node/cli.bundle.mjs): the CLI and everything it imports from this
// repository (src, runtimes/node, runtimes/sim, runtimes/agent) in one ES module; packages under
// node_modules stay imports, so the image ships them as production dependencies.
// Used by `npm run build`, `npm ci` (prepare), the Dockerfile's build stage and the image layout test.
//   node runtimes/node/deploy/build-bundle.mjs [--outfile <path>] [--if-available]
// --if-available: exit 0 without building when esbuild is not installed (a production install,
// `npm ci --omit=dev`, has no devDependencies; bin.js then needs a bundle that was built before).
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const outIndex = args.indexOf("--outfile");
const outfile =
  outIndex >= 0 ? args[outIndex + 1] : fileURLToPath(new URL("../cli.bundle.mjs", import.meta.url));
if (!outfile) {
  process.stderr.write("build-bundle: --outfile needs a path\n");
  process.exit(2);
}

let esbuild;
try {
  esbuild = await import("esbuild");
} catch (error) {
  if (args.includes("--if-available") && error?.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write("build-bundle: esbuild is not installed (production install); no bundle built\n");
    process.exit(0);
  }
  throw error;
}

await esbuild.build({
  absWorkingDir: root,
  entryPoints: ["runtimes/node/cli.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  outfile,
  logLevel: "warning",
});
