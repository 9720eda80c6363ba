import { defineConfig } from "vitest/config";

// Node tests (unit + integration). The worker tests run inside workerd with their own config
// (test/worker/vitest.config.ts) so that Node and Workers types and globals do not mix.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/worker/**", "node_modules/**"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
