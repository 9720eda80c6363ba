/**
 * Replicas share their prefix placements (issue 22): behind a round-robin front each `serve` sees part
 * of the traffic, so a prompt one replica placed must be known to the other, or the other places the
 * same prefix on another pod. Two replicas with --peers, one simulator pushing to both: a prompt sent
 * through replica A, then the same prompt through replica B, lands on the same pod. The model is named
 * as served (demo-model-v1): the demo's canary split would otherwise hash half the tries under v2.
 */
import { cpSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "./helpers/spawn-cli.js";
import { POOL, startSim, until } from "./http-router-helpers.js";

interface Explained {
  picked?: string[];
  profiles?: { candidates?: { address: string; scores?: { plugin: string; raw?: number }[] }[] }[];
}

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

// A long shared system prompt (many 64-character blocks) and a question.
const SYSTEM = Array.from(
  { length: 40 },
  (_, i) => `Rule ${i}: answer briefly, cite the routing manual. `,
).join("");
const messages = [
  { role: "system", content: SYSTEM },
  { role: "user", content: "Which pod holds my prefix?" },
];

/** Endpoints whose prefix-cache-scorer score for the prompt is above 0, at the replica on `api`. */
async function prefixHolders(api: number): Promise<{ holders: string[]; picked: string | undefined }> {
  const res = await fetch(`http://127.0.0.1:${api}/inferencerouter.v1.PoolStateService/Explain`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ pool: POOL, model: "demo-model-v1", messages, maxTokens: 8 }),
  });
  const x = (await res.json()) as Explained;
  const holders = (x.profiles?.[0]?.candidates ?? [])
    .filter((c) => c.scores?.some((s) => s.plugin === "prefix-cache-scorer" && (s.raw ?? 0) > 0))
    .map((c) => c.address)
    .sort();
  return { holders, picked: x.picked?.[0] };
}

async function inFlightPods(api: number): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${api}/inferencerouter.v1.PoolStateService/GetPool`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ pool: POOL }),
  });
  const p = (
    (await res.json()) as { pool?: { endpoints?: { address: string; inFlight?: { requests?: number } }[] } }
  ).pool;
  return (p?.endpoints ?? []).filter((e) => (e.inFlight?.requests ?? 0) > 0).map((e) => e.address);
}

const replicaArgs = (dir: string, api: number, peers: string) => [
  "serve",
  ...["--config", dir, "--host", "127.0.0.1", "--api-port", String(api)],
  ...["--http-port", "0", "--extproc-port", "0", "--health-port", "0", "--metrics-port", "0"],
  ...["--peers", peers, "--peer-interval", "20ms"],
];

let a: CliProcess;
let b: CliProcess;
let sim: CliProcess;
let apiA: number;
let apiB: number;
const open: AbortController[] = [];

describe("two serve replicas sharing prefix placements", () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "scale-out-prefix-"));
    cpSync("runtimes/node/examples/demo", dir, { recursive: true });
    [apiA, apiB] = [await freePort(), await freePort()];
    const peers = `http://127.0.0.1:${apiA},http://127.0.0.1:${apiB}`;
    [a, b] = (await Promise.all(
      [apiA, apiB].map((port) => startCli(replicaArgs(dir, port, peers), { waitFor: ["api", "http"] })),
    )) as [CliProcess, CliProcess];
    sim = await startSim(0, 4, ["--push", peers, "--interval", "500ms"]);
    await until(
      async () =>
        (await prefixHolders(apiA)).picked !== undefined && (await prefixHolders(apiB)).picked !== undefined,
      10_000,
      "4 endpoints at both replicas",
    );
  }, 30_000);

  afterAll(async () => {
    for (const c of open) c.abort();
    await sim?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("routes a prompt through the second replica to the pod the first one placed it on", async () => {
    expect((await prefixHolders(apiB)).holders).toEqual([]);
    const first = await fetch(`http://127.0.0.1:${a.port("http")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-model-v1", messages, max_tokens: 8 }),
    });
    expect(first.status).toBe(200);
    await first.text();
    // A learned the placement from its own pick: exactly one pod holds the prompt.
    const atA = await prefixHolders(apiA);
    expect(atA.holders).toHaveLength(1);
    const pod = atA.holders[0]!;
    // B hears of it in A's next peer report and scores that pod as holding the prompt.
    await until(async () => (await prefixHolders(apiB)).holders.length > 0, 5000, "B learns A's placement");
    expect((await prefixHolders(apiB)).holders).toEqual([pod]);
    // The same prompt through B lands on that pod (held open, so B's own in-flight count shows it).
    const controller = new AbortController();
    open.push(controller);
    const second = await fetch(`http://127.0.0.1:${b.port("http")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-model-v1", messages, max_tokens: 1000, stream: true }),
      signal: controller.signal,
    });
    expect(second.status).toBe(200);
    await until(async () => (await inFlightPods(apiB)).length > 0, 5000, "B's request in flight");
    expect(await inFlightPods(apiB)).toEqual([pod]);
  }, 20_000);
});
