/**
 * A small closed-loop load generator on node:http (keep-alive, one socket per concurrent client):
 * fetch would be the bottleneck. Records latency to the last byte and to the first body byte.
 */
import { Agent, request } from "node:http";

export interface LoadOptions {
  port: number;
  path: string;
  body: string;
  concurrency: number;
  maxRequests: number;
  maxMs: number;
}

export interface LoadResult {
  count: number;
  errors: number;
  elapsedMs: number;
  /** Milliseconds, one per successful request. */
  latencies: number[];
  firstByte: number[];
}

function once(agent: Agent, o: LoadOptions): Promise<{ total: number; first: number } | undefined> {
  return new Promise((resolve) => {
    const start = performance.now();
    let first = 0;
    const req = request(
      {
        agent,
        host: "127.0.0.1",
        port: o.port,
        path: o.path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(o.body) },
      },
      (res) => {
        res.on("data", () => {
          if (first === 0) first = performance.now() - start;
        });
        res.on("end", () =>
          resolve(res.statusCode === 200 ? { total: performance.now() - start, first } : undefined),
        );
        res.on("error", () => resolve(undefined));
      },
    );
    req.on("error", () => resolve(undefined));
    req.end(o.body);
  });
}

/** Runs until maxRequests are done or maxMs have passed. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const result: LoadResult = { count: 0, errors: 0, elapsedMs: 0, latencies: [], firstByte: [] };
  const start = performance.now();
  let issued = 0;
  const worker = async () => {
    while (issued < o.maxRequests && performance.now() - start < o.maxMs) {
      issued++;
      const r = await once(agent, o);
      if (r === undefined) result.errors++;
      else {
        result.count++;
        result.latencies.push(r.total);
        result.firstByte.push(r.first);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  result.elapsedMs = performance.now() - start;
  agent.destroy();
  return result;
}

/** The q-quantile (0..1) of samples, in their unit. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
