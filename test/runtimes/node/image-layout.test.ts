/**
 * The image (runtimes/node/deploy/Dockerfile) without Docker: its runtime stage's files are laid out
 * in a temp dir from the Dockerfile's own COPY lines (the bundle built by the same script its build
 * stage runs, node_modules holding the production dependencies only), then started from there.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const dockerfile = readFileSync(join(repo, "runtimes/node/deploy/Dockerfile"), "utf8");

interface Stage {
  from: string;
  name: string | undefined;
  workdir: string;
  /** Instructions after FROM, continuation lines joined. */
  steps: { op: string; args: string }[];
}

/** Stages of a Dockerfile: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, " ").split("\n");
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [op = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (op.toUpperCase() === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: m?.[1] ?? args, name: m?.[2], workdir: "/", steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile: ${op} before FROM`);
    if (op.toUpperCase() === "WORKDIR") stage.workdir = posix.resolve(stage.workdir, args);
    stage.steps.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1)!;
const stageNamed = (name: string) => stages.find((s) => s.name === name);

/** Top-level packages `npm ci --omit=dev` installs, from package-lock.json (`dev: true` ones left out). */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(
      ([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !entry.dev && !entry.devOptional,
    )
    .map(([path]) => path.slice("node_modules/".length))
    .filter((name) => existsSync(join(repo, "node_modules", name))); // optional ones of other platforms
}

/** Files under dir (relative), node_modules left out. */
function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === "node_modules") return [];
    const rel = posix.join(prefix, entry.name);
    return entry.isDirectory() ? filesUnder(join(dir, entry.name), rel) : [rel];
  });
}

let root: string; // the temp dir standing for the image's filesystem
let app: string; // its WORKDIR
let bundleBuilt: string;

/**
 * Runs the runtime stage's COPY lines into the temp dir: `--from=build` sources come from the
 * repository as the build stage copied it, with the bundle freshly built by build-bundle.mjs;
 * `--from=deps` node_modules holds links to the production packages only; the others come from the
 * build context (the repository root).
 */
function layOut(): void {
  for (const step of runtime.steps.filter((s) => s.op === "COPY")) {
    const words = step.args.split(/\s+/);
    const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
    const paths = words.filter((w) => !w.startsWith("--"));
    const dest = posix.resolve(runtime.workdir, paths.pop()!);
    const intoDir = paths.length > 1 || dest.endsWith("/") || step.args.trim().endsWith("/");
    for (const source of paths) {
      const target = join(root, intoDir ? posix.join(dest, posix.basename(source)) : dest);
      mkdirSync(dirname(target), { recursive: true });
      if (from === "deps") {
        expect(source).toBe(posix.join(stageNamed("deps")!.workdir, "node_modules"));
        mkdirSync(target, { recursive: true });
        for (const name of productionPackages()) {
          mkdirSync(dirname(join(target, name)), { recursive: true });
          symlinkSync(join(repo, "node_modules", name), join(target, name), "dir");
        }
      } else if (from === "build") {
        const rel = posix.relative(stageNamed("build")!.workdir, source);
        cpSync(rel === "runtimes/node/cli.bundle.mjs" ? bundleBuilt : join(repo, rel), target, {
          recursive: true,
        });
      } else {
        expect(from, `COPY ${step.args}: unknown stage`).toBeUndefined();
        cpSync(join(repo, source), target, { recursive: true });
      }
    }
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "image-layout-"));
  app = join(root, runtime.workdir);
  bundleBuilt = join(root, "build", "cli.bundle.mjs");
  await run(process.execPath, [
    join(repo, "runtimes/node/deploy/build-bundle.mjs"),
    "--outfile",
    bundleBuilt,
  ]);
  layOut();
}, 60_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the image's Dockerfile", () => {
  it("builds the bundle in a build stage with the package's build script, which runs build-bundle.mjs", () => {
    const build = stageNamed("build")!;
    expect(build.steps.some((s) => s.op === "RUN" && s.args === "npm run build")).toBe(true);
    const scripts = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).scripts;
    expect(scripts.build).toBe("node runtimes/node/deploy/build-bundle.mjs");
  });

  it("installs production dependencies only, without install scripts", () => {
    const deps = stageNamed("deps")!;
    expect(deps.steps.filter((s) => s.op === "RUN").map((s) => s.args)).toContainEqual(
      expect.stringMatching(/^npm ci --omit=dev --ignore-scripts\b/),
    );
  });

  it("runs on a Node LTS base (22 or 24) as a non-root numeric user", () => {
    for (const stage of stages) expect(stage.from).toMatch(/^node:(22|24)[-.\w]*$/);
    const user = runtime.steps.filter((s) => s.op === "USER").at(-1)?.args ?? "0";
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it("leaves the host's node_modules and bundle out of the build context", () => {
    const ignored = readFileSync(join(repo, ".dockerignore"), "utf8").split("\n");
    for (const entry of ["node_modules", "runtimes/node/cli.bundle.mjs"]) expect(ignored).toContain(entry);
  });

  it("exposes every listener's default port", () => {
    const expose = runtime.steps
      .find((s) => s.op === "EXPOSE")!
      .args.split(/\s+/)
      .map(Number);
    expect(expose.sort()).toEqual([8080, 9002, 9003, 9004, 9090]);
  });
});

describe("the image's file layout", () => {
  it("holds the bundle and its bin, and no TypeScript source", () => {
    const files = filesUnder(app);
    expect(files).toContain("runtimes/node/bin.js");
    expect(files).toContain("runtimes/node/cli.bundle.mjs");
    expect(files).toContain("package.json");
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
  });

  it("has no build or TypeScript tools among its node_modules", () => {
    const modules = join(app, "node_modules");
    for (const tool of ["tsx", "esbuild", "typescript", "vitest", "@biomejs/biome"])
      expect(existsSync(join(modules, tool)), tool).toBe(false);
    expect(existsSync(join(modules, "hono"))).toBe(true);
  });

  it("bundles the sim and the agent the CLI imports (their sources are not in the image)", () => {
    const bundle = readFileSync(join(app, "runtimes/node/cli.bundle.mjs"), "utf8");
    expect(bundle).toContain("runtimes/sim/sim-main.ts");
    expect(bundle).toContain("runtimes/agent/agent-main.ts");
    expect(statSync(join(app, "runtimes/node/cli.bundle.mjs")).size).toBeGreaterThan(0);
  });
});

describe("the CLI started from the image's layout", () => {
  const cliEnv = { ...process.env, NODE_ENV: "production", INFERENCE_ROUTER_FROM_SOURCE: "" };

  it("prints serve's help", async () => {
    const { stdout } = await run(process.execPath, ["runtimes/node/bin.js", "serve", "--help"], {
      cwd: app,
      env: cliEnv,
    });
    expect(stdout).toContain("--extproc-port");
  });

  it("prints package.json's version (the image copies package.json)", async () => {
    const { stdout } = await run(process.execPath, ["runtimes/node/bin.js", "--version"], {
      cwd: app,
      env: cliEnv,
    });
    const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
    expect(stdout).toBe(`${version}\n`);
  });

  it("prints the help of the sim and the agent", async () => {
    for (const command of ["sim", "agent"]) {
      const { stdout } = await run(process.execPath, ["runtimes/node/bin.js", command, "--help"], {
        cwd: app,
        env: cliEnv,
      });
      expect(stdout, command).toMatch(/--/);
    }
  });

  it("serves: takes a pushed snapshot and answers GetPool with it", async () => {
    const config = join(root, "etc", "inference-pool.yaml");
    mkdirSync(dirname(config), { recursive: true });
    cpSync(join(repo, "runtimes/node/deploy/k8s/inference-pool.yaml"), config);
    const child = spawn(
      process.execPath,
      [
        "runtimes/node/bin.js",
        "serve",
        "--config",
        config,
        "--host",
        "127.0.0.1",
        ...["--api-port", "0", "--http-port", "0", "--extproc-port", "0", "--health-port", "0"],
        ...["--metrics-port", "0"],
      ],
      { cwd: app, env: cliEnv, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const apiPort = await listeningPort(child, "api");
      const call = async (method: string, body: unknown) => {
        const res = await fetch(`http://127.0.0.1:${apiPort}/inferencerouter.v1.PoolStateService/${method}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        expect(res.status, method).toBe(200);
        return (await res.json()) as Record<string, unknown>;
      };
      const pool = "vllm-llama3-8b-instruct";
      const pushed = await call("PushSnapshot", {
        pool,
        source: "image-layout",
        sequence: 1,
        endpoints: [{ address: "10.0.0.1:8000", ready: true, metrics: { runningRequests: 1 } }],
      });
      expect(pushed).toMatchObject({ acceptedSequence: "1", endpointCount: 1 });
      const got = (await call("GetPool", { pool })) as { pool: { endpoints: { address: string }[] } };
      expect(got.pool.endpoints.map((e) => e.address)).toEqual(["10.0.0.1:8000"]);
      // The pool page is served from the image's files too.
      const page = await fetch(`http://127.0.0.1:${apiPort}/ui/app.js`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("WatchPool");
    } finally {
      child.kill("SIGTERM");
    }
  });
});

/** Resolves with the port of the first `{"msg":"listening","service":<service>}` line on stdout. */
function listeningPort(child: ChildProcess, service: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      for (const line of out.split("\n")) {
        try {
          const log = JSON.parse(line) as { msg?: string; service?: string; port?: number };
          if (log.msg === "listening" && log.service === service && log.port) resolve(log.port);
        } catch {
          // a partial line: wait for the rest
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code} before listening; stderr: ${err}`)));
  });
}
