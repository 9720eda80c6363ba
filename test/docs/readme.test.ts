/**
 * The README a newcomer reads first: small, navigable, every link and anchor resolving, the architecture
 * picture shown, the layout map naming every folder, and the quick-start commands working as printed.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CliProcess, loopbackPorts, repoRoot, startCli } from "../integration/helpers/spawn-cli.js";
import { until } from "../integration/http-router-helpers.js";
import { anchors, commands, curlToFetch, links, readMarkdown } from "./markdown.js";

const readmePath = join(repoRoot, "README.md");
const readme = readFileSync(readmePath, "utf8");
const { prose, blocks } = readMarkdown(readme);

/** The READMEs this test keeps honest about links and anchors. */
const documents = [
  "README.md",
  "runtimes/node/README.md",
  "runtimes/worker/README.md",
  "runtimes/sim/README.md",
  "runtimes/agent/README.md",
  "test/bench/README.md",
];

/** Broken links of one Markdown file: missing files, and anchors missing from the file they point into. */
function brokenLinks(path: string): string[] {
  const { prose: lines } = readMarkdown(readFileSync(join(repoRoot, path), "utf8"));
  const broken: string[] = [];
  for (const link of links(lines)) {
    if (/^[a-z]+:/i.test(link.target)) continue;
    const [file, anchor] = link.target.split("#") as [string, string | undefined];
    const target = file === "" ? join(repoRoot, path) : join(repoRoot, dirname(path), file);
    if (!existsSync(target)) {
      broken.push(`${path}:${link.line} ${link.target}: no such file`);
      continue;
    }
    if (anchor && target.endsWith(".md")) {
      const heads = anchors(readMarkdown(readFileSync(target, "utf8")).prose);
      if (!heads.has(anchor)) broken.push(`${path}:${link.line} ${link.target}: no heading #${anchor}`);
    }
  }
  return broken;
}

describe("the README", () => {
  it("stays under 30 KB", () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(30_000);
  });

  it("keeps the two first-lines commands", () => {
    expect(readme).toMatch(/^npm ci && npm start\b/m);
    expect(readme).toMatch(/^npm ci && npm test\b/m);
  });

  it("has a table of contents whose every entry resolves to a heading", () => {
    const start = prose.findIndex((l) => /^## Contents\s*$/.test(l));
    expect(start).toBeGreaterThan(-1);
    const toc: string[] = [];
    for (const line of prose.slice(start + 1)) {
      if (line.startsWith("## ")) break;
      const m = /^- \[[^\]]+\]\(#([^)]+)\)/.exec(line);
      if (m) toc.push(m[1]!);
    }
    expect(toc.length).toBeGreaterThanOrEqual(8);
    const heads = anchors(prose);
    expect(toc.filter((a) => !heads.has(a))).toEqual([]);
    const sections = prose.filter((l) => /^## /.test(l) && !/^## Contents/.test(l)).length;
    expect(toc).toHaveLength(sections);
  });

  it.each(documents)("%s links only to files and headings that exist", (path) => {
    expect(brokenLinks(path)).toEqual([]);
  });

  it("shows the architecture picture, a committed SVG", () => {
    const image = links(prose).find((l) => l.image && l.target.endsWith(".svg"));
    expect(image?.target).toBe("docs/architecture.svg");
    const svg = readFileSync(join(repoRoot, "docs/architecture.svg"), "utf8");
    expect(svg.trimStart()).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
  });

  it("names every folder under src/, runtimes/, test/ and proto/ in its layout map", () => {
    const map = blocks.find((b) => b.lang === "text" && /^proto\/\s/m.test(b.text));
    expect(map).toBeDefined();
    const listed = new Set<string>();
    const stack: string[] = [];
    for (const line of map!.text.split("\n")) {
      const m = /^( *)(\S+\/(?:\*\*)?)(?:\s|$)/.exec(line);
      if (!m) continue;
      const depth = m[1]!.length / 2;
      stack.length = depth;
      stack.push(m[2]!.replace(/\/$/, ""));
      // `inferencerouter/v1/` names its parent folder too; `gen/**` covers itself and all below it.
      const parts = stack
        .join("/")
        .replace(/\/\*\*$/, "")
        .split("/");
      for (let i = 1; i <= parts.length; i++) listed.add(parts.slice(0, i).join("/"));
      if (m[2]!.endsWith("/**")) listed.add(stack.join("/"));
    }
    const covered = (dir: string) =>
      listed.has(dir) || [...listed].some((e) => e.endsWith("/**") && dir.startsWith(e.slice(0, -2)));
    const missing = ["src", "runtimes", "test", "proto"]
      .flatMap((top) => [top, ...folders(join(repoRoot, top))])
      .filter((dir) => !covered(dir));
    expect(missing).toEqual([]);
  });
});

/** Every folder below `dir`, as paths relative to the repository root. */
function folders(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isDirectory() && !path.includes("node_modules"))
    .flatMap((path) => [relative(repoRoot, path), ...folders(path)]);
}

/** The ports a README command names by their defaults, and which listener each is. */
const defaultPorts: Record<string, string> = {
  "9004": "api",
  "8080": "http",
  "9002": "extproc",
  "9003": "health",
  "9090": "metrics",
};

describe("the quick-start commands of the READMEs, run as printed (on free ports)", () => {
  const running: CliProcess[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop("SIGTERM")));
  });

  it("marks at least the operator's and the model owner's blocks in the README", () => {
    const marked = blocks.filter((b) => b.marker !== undefined);
    expect(marked.filter((b) => !b.marker!.includes("pending")).length).toBeGreaterThanOrEqual(2);
  });

  const marked = documents.flatMap((path) =>
    readMarkdown(readFileSync(join(repoRoot, path), "utf8"))
      .blocks.filter((b) => b.marker !== undefined)
      .map((block) => ({ path, block })),
  );

  it("marks only shell blocks", () => {
    expect(marked.filter(({ block }) => block.lang !== "sh" && block.lang !== "console")).toEqual([]);
  });

  for (const { path, block } of marked) {
    const title = `${path}:${block.line}: ${commands(block.text)
      .map((c) => c.words.slice(0, 3).join(" "))
      .join("; ")}`;
    // A block whose command lands with other work is listed here, skipped, until its marker drops "pending".
    const run = block.marker!.includes("pending") ? it.skip : it;
    run(title, () => runBlock(block.text, running), 60_000);
  }
});

/**
 * Runs one block's commands in order: `npx inference-router serve|sim ... &` start in the background on
 * free ports (the ports the README prints are then rewritten to the real ones), other `npx
 * inference-router` commands must exit 0, and every curl must answer 2xx.
 */
async function runBlock(text: string, running: CliProcess[]): Promise<void> {
  const ports = new Map<string, number>();
  const local = (word: string) =>
    word.replace(/\b(127\.0\.0\.1|localhost):(\d+)\b/g, (all, host: string, port: string) => {
      const real = ports.get(port);
      return real === undefined ? all : `${host}:${real}`;
    });

  for (const command of commands(text)) {
    const words = command.words.map(local);
    if (words[0] === "curl") {
      const { url, init } = curlToFetch(words);
      let status = 0;
      // Pushes from a just-started producer land within a few hundred ms: poll, do not sleep.
      await until(
        async () => {
          status = await fetch(url, init).then(
            (r) => r.status,
            () => 0,
          );
          return status >= 200 && status < 300;
        },
        15_000,
        `${command.text} to answer 2xx (last status ${status})`,
      );
      continue;
    }
    expect(words.slice(0, 2), command.text).toEqual(["npx", "inference-router"]);
    const [sub, ...rest] = words.slice(2);
    if (!command.background) {
      const cli = await startCli([sub!, ...rest]);
      expect(await cli.exited, `${command.text}\n${cli.stderr()}`).toBe(0);
    } else if (sub === "serve") {
      const services = Object.values(defaultPorts);
      const serve = await startCli(["serve", ...rest, ...loopbackPorts], { waitFor: services });
      running.push(serve);
      const flag = (name: string) => rest[rest.indexOf(`--${name}-port`) + 1];
      for (const [port, service] of Object.entries(defaultPorts)) {
        ports.set(rest.includes(`--${service}-port`) ? flag(service)! : port, serve.port(service));
      }
    } else if (sub === "sim") {
      const at = rest.indexOf("--base-port");
      const base = at < 0 ? 8000 : Number(rest[at + 1]);
      const args = rest.map((w, i) => (rest[i - 1] === "--base-port" ? "0" : w));
      const sim = await startCli(["sim", ...args, "--host", "127.0.0.1"], { waitFor: ["sim"] });
      running.push(sim);
      await until(() => sim.logs.some((l) => l.msg === "sim ready"), 15_000, "sim ready");
      for (const l of sim.logs.filter((l) => l.msg === "listening" && l.service === "sim")) {
        ports.set(String(base + Number(l.replica)), Number(l.port));
      }
    } else {
      throw new Error(`no rule to run "${command.text}" in the background`);
    }
  }
}
