/**
 * End to end: `wrangler dev` (the edge worker in local workerd) in front of two regions, each a real
 * `serve` with a simulator pool, on loopback. The regions push their summaries to the worker
 * (edge.push); requests through the worker reach a region's HTTP router and the simulator behind
 * it; a killed region is failed over before the first byte. Skips, saying why, when wrangler cannot
 * start here.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, loopbackPorts, repoRoot, startCli } from "./helpers/spawn-cli.js";

const TOKEN = "e2e-push-token";
const MODEL = "edge-model";
const LOCATIONS: Record<string, string> = {
  "e2e-eu": "latitude=50.11,longitude=8.68,continent=EU,colos=FRA",
  "e2e-us": "latitude=38.95,longitude=-77.45,continent=NA,colos=IAD",
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts `wrangler dev`; resolves with the process, or undefined and the reason when it cannot start. */
async function startWrangler(port: number, state: string): Promise<{ proc?: ChildProcess; reason?: string }> {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", state];
  for (const v of [`PUSH_TOKEN:${TOKEN}`, "DIRECTORY_TTL_MS:100", "REGION_STALE_MS:15000"])
    args.push("--var", v);
  const proc = spawn(process.execPath, [join(repoRoot, "node_modules/wrangler/bin/wrangler.js"), ...args], {
    cwd: repoRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  try {
    await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000, "wrangler dev");
    return { proc };
  } catch (err) {
    proc.kill("SIGKILL");
    return { reason: `${(err as Error).message}; wrangler said: ${output.slice(-800)}` };
  }
}

function regionConfig(dir: string, region: string, edgePort: number): string {
  const file = join(dir, `${region}.yaml`);
  writeFileSync(
    file,
    `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: { name: edge-pool }
spec:
  selector: { matchLabels: { app: edge-pool } }
  targetPorts: [{ number: 8000 }]
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
metadata: { name: ${region} }
spec:
  edge:
    push: { url: "http://127.0.0.1:${edgePort}", token: ${TOKEN}, intervalMs: 250, region: ${region} }
`,
  );
  return file;
}

async function rpc(edgePort: number, method: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${edgePort}/inferencerouter.v1.EdgeService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

function chat(edgePort: number, stream = false): Promise<Response> {
  return fetch(`http://127.0.0.1:${edgePort}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-session-id": "e2e-session" },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: "user", content: "Hello there" }],
      max_tokens: 8,
      stream,
    }),
  });
}

const dir = mkdtempSync(join(tmpdir(), "edge-e2e-"));
const procs: CliProcess[] = [];
const regions = new Map<string, CliProcess>();
let wrangler: ChildProcess | undefined;
let skipReason: string | undefined;
let edgePort = 0;

beforeAll(async () => {
  edgePort = await freePort();
  const started = await startWrangler(edgePort, join(dir, "state"));
  if (!started.proc) {
    skipReason = started.reason;
    console.warn(`edge-e2e skipped: wrangler dev could not start: ${skipReason}`);
    return;
  }
  wrangler = started.proc;
  for (const region of Object.keys(LOCATIONS)) {
    const serve = await startCli(
      ["serve", "--config", regionConfig(dir, region, edgePort), ...loopbackPorts],
      {
        waitFor: ["api", "http"],
        env: { INFERENCE_ROUTER_EDGE_LOCATION: LOCATIONS[region]! },
      },
    );
    procs.push(serve);
    regions.set(region, serve);
    const sim = await startCli(
      ["sim", "--replicas", "2", "--preset", "demo", "--base-port", "0", "--pool", "edge-pool"].concat([
        "--push",
        `http://127.0.0.1:${serve.port("api")}`,
        "--models",
        MODEL,
      ]),
      { waitFor: ["sim"] },
    );
    procs.push(sim);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  if (wrangler && wrangler.exitCode === null) {
    const exited = new Promise((r) => wrangler!.once("exit", r));
    wrangler.kill("SIGTERM");
    const timer = setTimeout(() => wrangler!.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("edge worker in wrangler dev in front of two regions", () => {
  it("receives both regions' summaries and routes, streams and fails over through them", async (ctx) => {
    if (skipReason !== undefined) ctx.skip();
    await until(
      async () => {
        const { regions: list = [] } = (await rpc(edgePort, "ListRegions", {})) as {
          regions?: { region: string; models?: { model: string; endpointsReady?: number }[] }[];
        };
        const ready = list.filter((r) =>
          r.models?.some((m) => m.model === MODEL && (m.endpointsReady ?? 0) === 2),
        );
        return ready.length === 2;
      },
      30_000,
      "both regions pushed with 2 ready endpoints",
    );
    const { picked = [] } = (await rpc(edgePort, "ExplainRegion", {
      model: MODEL,
      sessionId: "e2e-session",
    })) as {
      picked?: string[];
    };
    expect([...picked].sort()).toEqual(["e2e-eu", "e2e-us"]);

    const res = await chat(edgePort);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-edge-region")).toBe(picked[0]);
    const body = (await res.json()) as { choices?: unknown[] };
    expect(body.choices?.length).toBe(1);

    const streamed = await chat(edgePort, true);
    expect(streamed.headers.get("content-type")).toContain("text/event-stream");
    const text = await streamed.text();
    expect(text).toContain("data: ");
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);

    // The session's region dies without a word (no draining push): the next request fails over.
    regions.get(picked[0]!)!.proc.kill("SIGKILL");
    await regions.get(picked[0]!)!.exited;
    const after = await chat(edgePort);
    expect(after.status).toBe(200);
    expect(after.headers.get("x-edge-region")).toBe(picked[1]);
  }, 90_000);
});
