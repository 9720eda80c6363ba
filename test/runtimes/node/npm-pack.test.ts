/**
 * `npm pack` makes an installable package: the tarball holds the bundle, its bin, the demo config and
 * the pool page (no TypeScript sources, so bin.js runs the bundle, as in the image), and installed into
 * an empty project it runs `npx inference-router`. Packs with --ignore-scripts: the bundle `npm ci`
 * built is packed as is, and the repository's copy is not rewritten while other tests run it.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

let dir: string;
let app: string;
let packed: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "npm-pack-"));
  const { stdout } = await run(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: repo,
  });
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  packed = info!.files.map((f) => f.path);
  app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{"name":"pack-test","private":true}\n');
  await run(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", join(dir, info!.filename)], {
    cwd: app,
    timeout: 180_000,
  });
}, 240_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("holds the bundle, its bin, the demo config and the pool page, and no TypeScript sources", () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        "runtimes/node/bin.js",
        "runtimes/node/cli.bundle.mjs",
        "runtimes/node/examples/demo/pool.yaml",
        "runtimes/node/ui/index.html",
        "LICENSE",
        "package.json",
      ]),
    );
    expect(packed.filter((p) => p.endsWith(".ts"))).toEqual([]);
  });

  it("runs `npx inference-router --version` once installed from the tarball", async () => {
    const { stdout } = await run("npx", ["--no-install", "inference-router", "--version"], { cwd: app });
    expect(stdout).toBe(`${version}\n`);
  });

  it("loads every command from the installed bundle (`serve --help`)", async () => {
    const { stdout } = await run("npx", ["--no-install", "inference-router", "serve", "--help"], {
      cwd: app,
    });
    expect(stdout).toMatch(/^Usage: inference-router serve/);
  });
});
