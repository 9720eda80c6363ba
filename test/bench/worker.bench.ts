/**
 * Edge worker overhead benchmark (not a test): CPU time per routed request inside workerd with 3, 10
 * and 30 regions. For each size a fresh `wrangler dev` (local workerd) gets that many region pushes
 * (spread over the globe, all serving the model, all pointing at one tiny loopback HTTP server), then
 * serves sequential-ish chat requests (8 in flight) from a cached directory. CPU is read from the
 * workerd process (/proc/<pid>/stat, utime + stime) around N requests; /healthz requests measure the
 * HTTP floor of workerd + wrangler's proxy, so "routed - healthz" is the decision + forwarding
 * overhead. The pick alone is also timed in this process (same V8) for comparison.
 *
 * Session stickiness (held in the Durable Object, read through each isolate's short cache): at 10
 * regions the same routed request is also sent with a session header, once with one session for every
 * request (the isolate cache answers) and once with a new session per request (every request misses
 * the cache: one batched lookup in the Durable Object, and one write of the new session after it).
 *
 * Run: npm run bench:worker -- [--sticky-only] [--requests N]; Linux only.
 */

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { createEdgeApp } from "../../src/edge/edge-app.js";
import { edgeConfigFromEnv, pickOptionsFrom } from "../../src/edge/edge-config.js";
import { createMemoryBackend } from "../../src/edge/region-backend.js";
import { RegionDirectory } from "../../src/edge/region-directory.js";
import { pickRegions } from "../../src/edge/region-pick.js";
import type { RegionRecord } from "../../src/edge/region-types.js";

const USAGE = `npm run bench:worker -- [--sticky-only] [--requests N]

Edge worker overhead inside workerd (wrangler dev, local): CPU per routed request with 3, 10 and 30
regions pushed, against /healthz as the floor; the region pick alone timed in this process. At 10
regions, the cost of session stickiness (Durable Object lookups and writes): no session, one session
repeated, a new session per request. Linux only.

  --sticky-only   only the 10-region run with the stickiness cases
  --requests N    requests per measured case (default 3000)
  --help
`;
const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const STICKY_ONLY = argv.includes("--sticky-only");
const requestsAt = argv.indexOf("--requests");
for (const [i, a] of argv.entries()) {
  if (a !== "--sticky-only" && a !== "--requests" && !(i === requestsAt + 1 && requestsAt >= 0)) {
    process.stderr.write(`unknown argument ${a} (--help)\n`);
    process.exit(2);
  }
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const STICKY_SIZE = 10;
const WRANGLER_LOG = join(tmpdir(), `edge-bench-wrangler-${process.pid}.log`);
process.on("exit", (code) => {
  if (code !== 0) process.stderr.write(`wrangler dev output: ${WRANGLER_LOG}\n`);
});
const SIZES = STICKY_ONLY ? [STICKY_SIZE] : [3, 10, 30];
const REQUESTS = requestsAt >= 0 ? Number(argv[requestsAt + 1]) : 3000;
if (!Number.isInteger(REQUESTS) || REQUESTS < 100) {
  process.stderr.write(`--requests: ${argv[requestsAt + 1]} must be an integer >= 100\n`);
  process.exit(2);
}
const WARMUP = 300;
const IN_FLIGHT = 8;
const TOKEN = "bench-token";
const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || 100);

function location(i: number, n: number) {
  return {
    latitude: -50 + (100 * i) / n,
    longitude: -170 + (340 * i) / n,
    continent: "",
    colos: [] as string[],
  };
}

function model(name: string) {
  return {
    model: name,
    endpointsReady: 8,
    endpointsTotal: 8,
    capacity: 8,
    freeCapacity: 4,
    queueDepth: 2,
    runningRequests: 20,
    kvHeadroom: 0.5,
    saturation: 0.4,
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

function workerdPid(parent: number): number {
  const all = execFileSync("ps", ["-eo", "pid=,ppid=,comm="]).toString().trim().split("\n");
  const rows = all
    .map((l) => l.trim().split(/\s+/))
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm }));
  const family = new Set([parent]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) {
      if (family.has(r.ppid) && !family.has(r.pid)) {
        family.add(r.pid);
        grew = true;
      }
    }
  }
  const w = rows.find((r) => family.has(r.pid) && r.comm === "workerd");
  if (!w) throw new Error("workerd process not found");
  return w.pid;
}

async function startWrangler(port: number, state: string): Promise<ChildProcess> {
  const vars = [`PUSH_TOKEN:${TOKEN}`, "DIRECTORY_TTL_MS:60000", "REGION_STALE_MS:3600000"].flatMap((v) => [
    "--var",
    v,
  ]);
  const proc = spawn(
    process.execPath,
    [
      join(root, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      state,
      ...vars,
    ],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "1" },
      // wrangler's and workerd's output, for when a run fails (printed at exit).
      stdio: ["ignore", openSync(WRANGLER_LOG, "a"), openSync(WRANGLER_LOG, "a")],
    },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (
      await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return proc;
    if (Date.now() > deadline) throw new Error("wrangler dev did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function run(n: number, send: () => Promise<Response>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < n) {
        const res = await send();
        if (!res.ok) throw new Error(`status ${res.status}: ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
}

function pickMicros(size: number): number {
  const options = pickOptionsFrom(edgeConfigFromEnv({}));
  const regions: RegionRecord[] = Array.from({ length: size }, (_, i) => ({
    region: `r${i}`,
    baseUrl: "http://x",
    location: location(i, size),
    draining: false,
    models: [model("bench")],
    sequence: 1n,
    observedAt: 0,
    receivedAt: 0,
  }));
  const client = { continent: "EU", colo: "FRA", latitude: 50.1, longitude: 8.7 };
  const loops = 100_000;
  for (let i = 0; i < 10_000; i++) pickRegions(regions, { model: "bench", client, now: 1 }, options);
  const t0 = performance.now();
  for (let i = 0; i < loops; i++) pickRegions(regions, { model: "bench", client, now: 1 }, options);
  return ((performance.now() - t0) * 1000) / loops;
}

/** The whole edge request path (app, parse, pick, forward, response wrap) in this V8 with fetch stubbed: ms per request. */
async function edgeCodeMs(size: number, body: string, session?: (i: number) => string): Promise<number> {
  const dir = new RegionDirectory(
    Array.from({ length: size }, (_, i) => ({
      region: `r${i}`,
      baseUrl: `http://r${i}.test`,
      location: location(i, size),
      draining: false,
      models: [model("bench")],
      sequence: 1n,
      observedAt: 0,
      receivedAt: Date.now(),
    })),
  );
  const answer = '{"id":"x","choices":[]}';
  const { app } = createEdgeApp({
    config: edgeConfigFromEnv({ DIRECTORY_TTL_MS: "60000", REGION_STALE_MS: "3600000" }),
    backend: createMemoryBackend(dir),
    cf: () => ({ continent: "EU", colo: "FRA", latitude: "50.1", longitude: "8.7" }),
    fetch: async () => new Response(answer, { headers: { "content-type": "application/json" } }),
  });
  let n = 0;
  const once = async () => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (session) headers["x-session-id"] = session(n++);
    const res = await app.fetch(
      new Request("http://edge/v1/chat/completions", { method: "POST", headers, body }),
    );
    await res.arrayBuffer();
  };
  for (let i = 0; i < 2000; i++) await once();
  const loops = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < loops; i++) await once();
  return (performance.now() - t0) / loops;
}

const region = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      '{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"}}]}',
    );
  });
});
const regionPort = await listen(region);
const rows: string[] = [];
const stickyRows: string[] = [];
const body = JSON.stringify({
  model: "bench",
  messages: [{ role: "user", content: "Say hi" }],
  max_tokens: 4,
});
for (const size of SIZES) {
  const state = mkdtempSync(join(tmpdir(), "edge-bench-"));
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const wrangler = await startWrangler(port, state);
  try {
    const edge = `http://127.0.0.1:${port}`;
    for (let i = 0; i < size; i++) {
      const push = {
        region: `r${i}`,
        baseUrl: `http://127.0.0.1:${regionPort}/r${i}`,
        sequence: String(Date.now() * 1000 + i),
        location: location(i, size),
        models: [model("bench")],
      };
      const res = await fetch(`${edge}/inferencerouter.v1.EdgeService/PushRegion`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(push),
      });
      if (!res.ok) throw new Error(`push refused: ${await res.text()}`);
    }
    const pid = workerdPid(wrangler.pid!);
    const routedWith = (session?: () => string) => () => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (session) headers["x-session-id"] = session();
      return fetch(`${edge}/v1/chat/completions`, { method: "POST", headers, body });
    };
    const routed = routedWith();
    const health = () => fetch(`${edge}/healthz`);
    /** workerd CPU and wall time per request over REQUESTS of `send`. */
    const measure = async (send: () => Promise<Response>) => {
      const c0 = cpuMs(pid);
      const t0 = performance.now();
      await run(REQUESTS, send);
      return { cpu: (cpuMs(pid) - c0) / REQUESTS, wall: (performance.now() - t0) / REQUESTS };
    };
    await run(WARMUP, routed);
    await run(WARMUP, health);
    const r = await measure(routed);
    const h = await measure(health);
    if (size === STICKY_SIZE) {
      let n = 0;
      const cases: [string, () => Promise<Response>, ((i: number) => string) | undefined][] = [
        ["no session (no sticky lookup)", routed, undefined],
        ["one session, every request (isolate cache)", routedWith(() => "bench-one"), () => "bench-one"],
        [
          "a new session per request (DO lookup + DO write)",
          routedWith(() => `bench-new-${n++}`),
          (i) => `code-new-${i}`,
        ],
      ];
      await run(
        WARMUP,
        routedWith(() => `bench-warm-${n++}`),
      );
      // Interleaved rounds, so a load swing on this shared machine hits every case alike.
      const sums = cases.map(() => ({ cpu: 0, wall: 0 }));
      const ROUNDS = 3;
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, [, send]] of cases.entries()) {
          const m = await measure(send);
          sums[i]!.cpu += m.cpu / ROUNDS;
          sums[i]!.wall += m.wall / ROUNDS;
        }
      }
      for (const [i, [name, , session]] of cases.entries()) {
        const code = await edgeCodeMs(size, body, session);
        stickyRows.push(
          `| ${name} | ${sums[i]!.cpu.toFixed(3)} | ${(sums[i]!.cpu - sums[0]!.cpu).toFixed(3)} | ${sums[i]!.wall.toFixed(2)} | ${(sums[i]!.wall - sums[0]!.wall).toFixed(2)} | ${code.toFixed(3)} |`,
        );
      }
    }
    // In-process timings last: idle keep-alive sockets to wrangler may be closed meanwhile.
    const pick = pickMicros(size);
    const code = await edgeCodeMs(size, body);
    rows.push(
      `| ${size} | ${r.cpu.toFixed(3)} | ${h.cpu.toFixed(3)} | ${(r.cpu - h.cpu).toFixed(3)} | ${code.toFixed(3)} | ${(pick / 1000).toFixed(4)} | ${r.wall.toFixed(2)} |`,
    );
  } finally {
    wrangler.kill("SIGTERM");
    await new Promise((r) => wrangler.once("exit", r));
    rmSync(state, { recursive: true, force: true });
  }
}
region.close();
console.log(
  `\nEdge worker: CPU per request in workerd (wrangler dev, local), ${REQUESTS} requests, ${IN_FLIGHT} in flight, directory cached\n`,
);
console.log(
  "| regions | routed request, workerd CPU (ms) | /healthz, workerd CPU (ms) | routed - healthz (ms) | edge code, fetch stubbed (ms) | pick alone (ms) | wall per request (ms) |",
);
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(r);
console.log(
  `\nSession stickiness at ${STICKY_SIZE} regions: ${REQUESTS} requests x 3 interleaved rounds per case, ${IN_FLIGHT} in flight (workerd CPU includes the Durable Object, same process under wrangler dev)\n`,
);
console.log(
  "| case | workerd CPU per request (ms) | added CPU (ms) | wall per request (ms) | added wall (ms) | edge code, in-memory DO, fetch stubbed (ms) |",
);
console.log("|---|---:|---:|---:|---:|---:|");
for (const r of stickyRows) console.log(r);
console.log(`\nload average at the end: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
