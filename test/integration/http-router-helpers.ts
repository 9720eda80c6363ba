/**
 * Helpers of the HTTP router integration tests: a router (`serve`) and simulators as real child
 * processes on loopback, pool state over the Connect JSON API, and streaming reads with timestamps.
 */
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";

export const POOL = "demo-pool";

/** `serve --config runtimes/node/examples/demo` on free loopback ports; resolves once the API and HTTP router listen. */
export function startRouter(config = "runtimes/node/examples/demo"): Promise<CliProcess> {
  return startCli(["serve", "--config", config, ...loopbackPorts], { waitFor: ["api", "http"] });
}

/** `sim` replicas pushing to the router; resolves when they are listening and ready. */
export async function startSim(apiPort: number, replicas: number, extra: string[] = []): Promise<CliProcess> {
  const sim = await startCli(
    ["sim", "--replicas", String(replicas), "--preset", "demo", "--base-port", "0"].concat(
      ["--push", `http://127.0.0.1:${apiPort}`, "--pool", POOL, "--models", "demo-model-v1,demo-model-v2"],
      extra,
    ),
    { waitFor: ["sim"] },
  );
  await until(() => sim.logs.some((l) => l.msg === "sim ready"), 10_000, "sim ready");
  return sim;
}

/** Polls `check` every 25 ms until it holds or `ms` pass. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** GetPool over Connect JSON. */
export interface PoolEndpointJson {
  address: string;
  source: string;
  stale?: boolean;
  metrics?: { runningRequests?: number; waitingRequests?: number };
  inFlight?: { requests?: number };
}

export async function getPool(apiPort: number): Promise<PoolEndpointJson[]> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/inferencerouter.v1.PoolStateService/GetPool`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ pool: POOL }),
  });
  const body = (await res.json()) as { pool?: { endpoints?: PoolEndpointJson[] } };
  return body.pool?.endpoints ?? [];
}

/** Sum of the router's in-flight requests over the pool. */
export async function inFlight(apiPort: number): Promise<number> {
  return (await getPool(apiPort)).reduce((n, e) => n + (e.inFlight?.requests ?? 0), 0);
}

/** PushSnapshot over Connect JSON (for endpoints the tests fake). */
export async function pushEndpoints(
  apiPort: number,
  source: string,
  sequence: number,
  endpoints: { address: string; waiting?: number }[],
): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/inferencerouter.v1.PoolStateService/PushSnapshot`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      pool: POOL,
      source,
      sequence: String(sequence),
      observedAt: new Date().toISOString(),
      endpoints: endpoints.map((e) => ({
        address: e.address,
        ready: true,
        engine: "vllm",
        metrics: { waitingRequests: e.waiting ?? 0, blockSize: 16, numBlocks: 1000 },
      })),
    }),
  });
  if (!res.ok) throw new Error(`push refused: ${res.status} ${await res.text()}`);
}

/** A chat completion body for the demo model. */
export function chatBody(over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: "demo-model",
    messages: [{ role: "user", content: "Tell me about routing." }],
    max_tokens: 8,
    ...over,
  });
}

/** Reads an SSE response to the end; returns each chunk's text and arrival time (performance.now). */
export async function readChunks(res: Response): Promise<{ text: string; at: number }[]> {
  const out: { text: string; at: number }[] = [];
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push({ text: decoder.decode(value, { stream: true }), at: performance.now() });
  }
}
