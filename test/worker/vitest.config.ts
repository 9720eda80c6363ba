/**
 * Worker tests run inside workerd through the Workers vitest pool, with the worker of wrangler.toml as
 * `main` (tests share its module instance, so replacing globalThis.fetch plays the regions). Kept
 * apart from the Node project (root vitest.config.ts) so Workers and Node types do not mix.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../../", import.meta.url));

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      main: "./runtimes/worker/index.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          PUSH_TOKEN: "test-push-token",
          // Every request reads the Durable Object, so a test sees its own pushes at once.
          DIRECTORY_TTL_MS: "0",
          // Short, so a test can let a region go stale.
          REGION_STALE_MS: "1500",
          FIRST_BYTE_TIMEOUT_MS: "2000",
          // Small, so the contract's body-too-large case sends little (test/worker/contract.test.ts).
          MAX_BODY_BYTES: "65536",
        },
      },
    }),
  ],
  test: {
    include: ["test/worker/**/*.test.ts"],
    testTimeout: 20_000,
  },
});
