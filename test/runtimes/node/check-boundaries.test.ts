import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../../../runtimes/node/scripts/check-boundaries.mjs", import.meta.url));

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the check on a fresh tree holding `files` (path -> contents). */
function check(files: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const root = mkdtempSync(join(tmpdir(), "check-boundaries-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const r = spawnSync(process.execPath, [script, root], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `n` lines of code. */
const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};\n`).join("");

/** Imports every rule allows: packages and src/ from anywhere, Node from runtimes other than the worker. */
const clean: Record<string, string> = {
  "src/core/a.ts": [
    "// A comment naming import 'node:fs' is not an import.",
    'import { z } from "zod";',
    'import type { B } from "./b.js";',
    'export const text = "node:fs, ../../runtimes/node/serve.js";',
    "export const schema = z.string();",
    "export type { B };",
  ].join("\n"),
  "src/core/b.ts": "export type B = string;\n",
  "runtimes/worker/index.ts": 'import { schema } from "../../src/core/a.js";\nexport default schema;\n',
  "runtimes/node/log.ts": 'import { writeSync } from "node:fs";\nexport const log = writeSync;\n',
  "runtimes/sim/main.ts": 'import { log } from "../node/log.js";\nexport { log };\n',
};

describe("check-boundaries", () => {
  it("passes a tree whose imports keep to the boundaries, and says how many files it read", () => {
    const r = check(clean);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("import boundaries hold (5 files under src/ and runtimes/)");
  });

  it("fails naming file:line, the import and the rule for each import that crosses a boundary", () => {
    const r = check({
      ...clean,
      "src/static.ts": '// first line\nimport { readFileSync } from "node:fs";\n',
      "src/type-only.ts": 'import type { Http2Server } from "http2";\n',
      "src/dynamic.ts": 'export const os = await import("os");\n',
      "src/require.ts": 'export const path = require("path");\n',
      "src/re-export.ts": 'export { EventEmitter } from "events";\n',
      "src/subpath.ts": 'export * from "fs/promises";\n',
      "src/type-query.ts": 'export type B = import("node:buffer").Buffer;\n',
      "src/node-types.ts": '/// <reference types="node" />\nexport {};\n',
      "src/to-runtime.ts": 'import { log } from "../runtimes/node/log.js";\nexport { log };\n',
      "src/deep/to-test.ts": 'import type { T } from "../../test/helpers.js";\nexport type { T };\n',
      "runtimes/worker/bad.ts": [
        'import { log } from "../node/log.js";',
        'import type { S } from "../sim/main.js";',
        'export * from "../agent/agent-main.js";',
        "export { log, type S };",
      ].join("\n"),
    });
    expect(r.code).toBe(1);
    const listed = r.stderr.split("\n").filter((l) => l.startsWith("  "));
    expect(listed.sort()).toEqual(
      [
        '  src/static.ts:2: "node:fs": src/ is Web-standards only: no Node built-ins',
        '  src/type-only.ts:1: "http2": src/ is Web-standards only: no Node built-ins',
        '  src/dynamic.ts:1: "os": src/ is Web-standards only: no Node built-ins',
        '  src/require.ts:1: "path": src/ is Web-standards only: no Node built-ins',
        '  src/re-export.ts:1: "events": src/ is Web-standards only: no Node built-ins',
        '  src/subpath.ts:1: "fs/promises": src/ is Web-standards only: no Node built-ins',
        '  src/type-query.ts:1: "node:buffer": src/ is Web-standards only: no Node built-ins',
        '  src/node-types.ts:1: /// <reference types="node">: src/ is Web-standards only: no Node types',
        '  src/to-runtime.ts:1: "../runtimes/node/log.js": src/ imports nothing under runtimes/',
        '  src/deep/to-test.ts:1: "../../test/helpers.js": src/ imports nothing under test/',
        '  runtimes/worker/bad.ts:1: "../node/log.js": runtimes/worker runs in workerd: nothing from runtimes/node/',
        '  runtimes/worker/bad.ts:2: "../sim/main.js": runtimes/worker runs in workerd: nothing from runtimes/sim/',
        '  runtimes/worker/bad.ts:3: "../agent/agent-main.js": runtimes/worker runs in workerd: nothing from runtimes/agent/',
      ].sort(),
    );
    expect(r.stderr).toContain("import boundaries crossed (13):");
    expect(r.stdout).not.toContain("import boundaries hold");
  });

  it("reports runtime files over 150 lines with the table's reason or 'no reason given', without failing", () => {
    const r = check({
      ...clean,
      "runtimes/node/serve.ts": lines(151),
      "runtimes/agent/long.ts": lines(200),
      "runtimes/sim/at-limit.ts": lines(150),
      "src/long-core-file.ts": lines(400),
    });
    expect(r.code).toBe(0);
    const report = r.stdout.split("\n").filter((l) => l.startsWith("  "));
    expect(report).toHaveLength(2);
    expect(report).toContain("  runtimes/agent/long.ts: 200 lines: no reason given");
    expect(report.find((l) => l.startsWith("  runtimes/node/serve.ts: 151 lines: "))).toMatch(
      /: 151 lines: the `serve` command's wiring/,
    );
    expect(r.stdout).toContain("runtime files over 150 lines, and why:");
  });

  it("names the table's reasons whose files are no longer over the limit, so the table stays true", () => {
    const r = check({ ...clean, "runtimes/node/serve.ts": lines(120) });
    expect(r.code).toBe(0);
    // The temporary tree holds only serve.ts: every other entry of the table is listed too.
    expect(r.stdout).toMatch(
      /reasons listed for files no longer over 150 lines: runtimes\/node\/serve\.ts(, |$)/m,
    );
    expect(r.stdout).not.toContain("runtime files over 150 lines, and why:");
  });
});
