import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readConfigFiles, watchConfig } from "../../../runtimes/node/config-files.js";
import { parseManifests } from "../../../src/api/parse-manifests.js";

const pool = (name: string) => `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: ${name} } }
  targetPorts: [{ number: 8000 }]
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "config-files-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves when `count` calls arrive, or rejects after `ms`. */
function waitForCalls(count: number, ms = 5000) {
  let calls = 0;
  let resolve!: () => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`expected ${count} change(s), saw ${calls}`)), ms);
  });
  return {
    onChange: () => {
      calls += 1;
      if (calls >= count) resolve();
    },
    done,
    calls: () => calls,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("readConfigFiles", () => {
  it("reads yaml, yml and json files of a directory recursively in sorted order, skipping others", async () => {
    mkdirSync(join(dir, "b-sub", "deeper"), { recursive: true });
    mkdirSync(join(dir, ".hidden"));
    writeFileSync(join(dir, "c.yml"), pool("c"));
    writeFileSync(join(dir, "a.yaml"), pool("a"));
    writeFileSync(join(dir, "b-sub", "deeper", "d.json"), "{}");
    writeFileSync(join(dir, "b-sub", "b.YAML"), pool("b"));
    writeFileSync(join(dir, "README.md"), "# not config");
    writeFileSync(join(dir, ".hidden", "x.yaml"), "not: read");
    writeFileSync(join(dir, ".swap.yaml"), "not: read");
    const files = await readConfigFiles(dir);
    expect(files.map((f) => f.path)).toEqual([
      join(dir, "a.yaml"),
      join(dir, "b-sub", "b.YAML"),
      join(dir, "b-sub", "deeper", "d.json"),
      join(dir, "c.yml"),
    ]);
    expect(files[0]?.text).toBe(pool("a"));
  });

  it("reads a single file whatever its extension, and its text parses", async () => {
    const file = join(dir, "pools.conf");
    writeFileSync(file, `${pool("a")}---\n${pool("b")}`);
    const files = await readConfigFiles(file);
    expect(files).toEqual([{ path: file, text: `${pool("a")}---\n${pool("b")}` }]);
    const result = parseManifests(files);
    expect(result.ok && result.resources.pools.map((p) => p.name)).toEqual(["a", "b"]);
  });

  it("rejects a path that does not exist", async () => {
    await expect(readConfigFiles(join(dir, "nope"))).rejects.toThrow(/ENOENT/);
  });
});

describe("watchConfig", () => {
  it("calls onChange once for a burst of writes in a watched directory, including subdirectories", async () => {
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "a.yaml"), pool("a"));
    const w = waitForCalls(1);
    const stop = watchConfig(dir, w.onChange, 100);
    try {
      await sleep(50);
      writeFileSync(join(dir, "a.yaml"), pool("a2"));
      writeFileSync(join(dir, "sub", "b.yaml"), pool("b"));
      await w.done;
      await sleep(300);
      expect(w.calls()).toBe(1);
      writeFileSync(join(dir, "sub", "b.yaml"), pool("b2"));
      await sleep(400);
      expect(w.calls()).toBe(2);
    } finally {
      stop();
    }
  });

  it("notices a watched single file replaced by rename, as editors save", async () => {
    const file = join(dir, "pool.yaml");
    writeFileSync(file, pool("a"));
    const w = waitForCalls(2);
    const stop = watchConfig(file, w.onChange, 50);
    try {
      await sleep(50);
      writeFileSync(join(dir, "tmp"), pool("b"));
      const { renameSync } = await import("node:fs");
      renameSync(join(dir, "tmp"), file);
      await sleep(300);
      writeFileSync(file, pool("c"));
      await w.done;
    } finally {
      stop();
    }
  });

  it("stops calling onChange once stopped", async () => {
    const w = waitForCalls(1);
    const stop = watchConfig(dir, w.onChange, 50);
    stop();
    writeFileSync(join(dir, "a.yaml"), pool("a"));
    await sleep(300);
    expect(w.calls()).toBe(0);
    w.done.catch(() => {});
  });
});
