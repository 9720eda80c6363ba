/**
 * Several `serve` replicas route as one: one simulator pushes to both through an address list, and
 * with --peers each replica counts what the other dispatched, so a burst split across both spreads
 * over the idle pods as one replica would spread it.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "./helpers/spawn-cli.js";
import { chatBody, POOL, startSim, until } from "./http-router-helpers.js";

interface EndpointJson {
  address: string;
  metrics?: { runningRequests?: number; waitingRequests?: number };
  inFlight?: { requests?: number; peerRequests?: number };
}
interface PoolJson {
  endpoints?: EndpointJson[];
  sources?: { source: string; kind?: string }[];
}

async function pool(apiPort: number): Promise<PoolJson> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/inferencerouter.v1.PoolStateService/GetPool`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ pool: POOL }),
  });
  return ((await res.json()) as { pool?: PoolJson }).pool ?? {};
}

const sum = (p: PoolJson, f: (e: EndpointJson) => number | undefined) =>
  (p.endpoints ?? []).reduce((n, e) => n + (f(e) ?? 0), 0);

/** A port free right now (the replicas must know each other's API port before they start). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The demo config with pushes fresh for 5 s and sources forgotten after 6 s. */
function config(): string {
  const dir = mkdtempSync(join(tmpdir(), "scale-out-"));
  cpSync("runtimes/node/examples/demo", dir, { recursive: true });
  const router = join(dir, "router.yaml");
  writeFileSync(
    router,
    readFileSync(router, "utf8")
      .replace(/stalenessMs: \d+/, "stalenessMs: 5000")
      .replace(/expiryMs: \d+/, "expiryMs: 6000"),
  );
  return dir;
}

const replicaArgs = (dir: string, api: number, peers: string) => [
  "serve",
  "--config",
  dir,
  "--host",
  "127.0.0.1",
  "--api-port",
  String(api),
  "--http-port",
  "0",
  "--extproc-port",
  "0",
  "--health-port",
  "0",
  "--metrics-port",
  "0",
  "--peers",
  peers,
  "--peer-interval",
  "20ms",
];

let a: CliProcess;
let b: CliProcess;
let sim: CliProcess;
let apiA: number;
let apiB: number;
const open: AbortController[] = [];

describe("two serve replicas fed by one simulator through an address list, sharing in-flight counts", () => {
  beforeAll(async () => {
    const dir = config();
    [apiA, apiB] = [await freePort(), await freePort()];
    // Each replica's peer list names both: the one that is itself is found out and skipped.
    const peers = `http://127.0.0.1:${apiA},http://127.0.0.1:${apiB}`;
    [a, b] = (await Promise.all(
      [apiA, apiB].map((port) => startCli(replicaArgs(dir, port, peers), { waitFor: ["api", "http"] })),
    )) as [CliProcess, CliProcess];
    // Four idle pods, pushed once a second to both replicas.
    sim = await startSim(0, 4, ["--push", peers, "--interval", "1s"]);
    await until(
      async () => (await pool(apiA)).endpoints?.length === 4 && (await pool(apiB)).endpoints?.length === 4,
      10_000,
      "4 endpoints at both replicas",
    );
  }, 30_000);

  afterAll(async () => {
    for (const c of open) c.abort();
    await sim?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("gives both replicas the whole pool and skips itself in its peer list", async () => {
    const [pa, pb] = await Promise.all([pool(apiA), pool(apiB)]);
    expect(pa.endpoints!.map((e) => e.address)).toEqual(pb.endpoints!.map((e) => e.address));
    await until(
      () => a.logs.some((l) => l.msg === "peer is this replica; not reporting to it"),
      5000,
      "self found out",
    );
    expect(a.logs.find((l) => l.msg === "peer is this replica; not reporting to it")?.peer).toBe(
      `http://127.0.0.1:${apiA}`,
    );
  });

  it("spreads a burst split across both replicas over the idle pods, one request per pod", async () => {
    const replicas = [a, b, a, b];
    const used = new Set<string>();
    for (const [i, r] of replicas.entries()) {
      const controller = new AbortController();
      open.push(controller);
      const res = await fetch(`http://127.0.0.1:${r.port("http")}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody({ stream: true, max_tokens: 2000 }),
        signal: controller.signal,
      });
      expect(res.status).toBe(200);
      // The pod it went to, and the other replica counting it before the next request is sent (from
      // the peer report, or from the engine's next push: either way, as one replica would).
      const self = r === a ? apiA : apiB;
      const other = r === a ? apiB : apiA;
      let pod = "";
      await until(
        async () => {
          pod =
            (await pool(self)).endpoints?.find((e) => (e.inFlight?.requests ?? 0) > 0 && !used.has(e.address))
              ?.address ?? "";
          return pod !== "" || countOn(await pools()) > i;
        },
        5000,
        `request ${i + 1} in flight`,
      );
      if (pod !== "") used.add(pod);
      await until(
        async () => {
          const e = (await pool(other)).endpoints?.find((x) => x.address === pod);
          return pod === "" || (e?.inFlight?.peerRequests ?? 0) > 0 || busy(e) > 0;
        },
        5000,
        `request ${i + 1} counted by the other replica`,
      );
    }
    const perPod = perEndpoint(await pools());
    expect([...perPod.values()].sort()).toEqual([1, 1, 1, 1]);
  });

  it("exports per-peer report counts and ages on /metrics", async () => {
    const bSource = (await pool(apiA)).sources?.find((s) => s.kind === "peer")?.source;
    expect(bSource).toBeDefined();
    const text = await metricsOf(a);
    expect(
      sample(text, `inference_router_peer_reports_sent_total{peer_url="http://127.0.0.1:${apiB}"}`),
    ).toBeGreaterThan(0);
    expect(sample(text, `inference_router_peer_reports_received_total{source="${bSource}"}`)).toBeGreaterThan(
      0,
    );
    expect(sample(text, `inference_router_peer_last_report_age_seconds{source="${bSource}"}`)).toBeLessThan(
      5,
    );
    // A's report to itself was refused by itself: once sent and failed, once received and refused.
    expect(
      sample(
        text,
        `inference_router_peer_reports_send_failures_total{peer_url="http://127.0.0.1:${apiA}",code="already_exists"}`,
      ),
    ).toBeGreaterThan(0);
    expect(text).toMatch(
      /inference_router_peer_reports_refused_total\{source="peer-[^"]+",code="already_exists"\} [1-9]/,
    );
  });

  it("ages a stopped replica out at its peer", async () => {
    expect((await pool(apiA)).sources?.some((s) => s.kind === "peer")).toBe(true);
    for (const c of open.splice(0)) c.abort();
    await b.stop();
    await until(
      async () => !(await pool(apiA)).sources?.some((s) => s.kind === "peer"),
      15_000,
      "the stopped peer forgotten",
    );
    expect(sum(await pool(apiA), (e) => e.inFlight?.peerRequests)).toBe(0);
  }, 20_000);
});

async function metricsOf(p: CliProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${p.port("metrics")}/metrics`)).text();
}

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Both replicas' pools. */
async function pools(): Promise<PoolJson[]> {
  return Promise.all([pool(apiA), pool(apiB)]);
}

/** Requests each pod holds from either replica (each replica's own in-flight counts, added). */
function perEndpoint(ps: PoolJson[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of ps)
    for (const e of p.endpoints ?? [])
      out.set(e.address, (out.get(e.address) ?? 0) + (e.inFlight?.requests ?? 0));
  return out;
}

/** Requests the engine reported in its last push. */
function busy(e: EndpointJson | undefined): number {
  return (e?.metrics?.runningRequests ?? 0) + (e?.metrics?.waitingRequests ?? 0);
}

function countOn(ps: PoolJson[]): number {
  let n = 0;
  for (const v of perEndpoint(ps).values()) n += v;
  return n;
}
