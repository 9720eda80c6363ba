import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const { version } = JSON.parse(readFileSync(`${repo}package.json`, "utf8")) as { version: string };

describe("inference-router --version", () => {
  for (const args of [["--version"], ["version"]])
    it(`prints package.json's version for \`${args.join(" ")}\``, async () => {
      const { stdout } = await run(process.execPath, ["runtimes/node/bin.js", ...args], { cwd: repo });
      expect(stdout).toBe(`${version}\n`);
    });

  it("lists version among the commands", async () => {
    const { stdout } = await run(process.execPath, ["runtimes/node/bin.js", "--help"], { cwd: repo });
    expect(stdout).toMatch(/^ {2}version {7}/m);
  });
});
