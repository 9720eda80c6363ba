/**
 * Open-loop load for the live run: each request of the stream is sent at its arrival time (wall
 * clock) as a streaming /v1/completions call through the router; TTFT is the first content chunk,
 * e2e the end of the stream.
 */
import type { BenchRequest } from "../workloads/workload.js";

/** What one live request measured (ms; NaN when it failed). */
export interface LiveOutcome {
  ttftMs: number;
  e2eMs: number;
  outputTokens: number;
  ok: boolean;
}

async function one(url: string, r: BenchRequest): Promise<LiveOutcome> {
  const start = performance.now();
  let ttftMs = Number.NaN;
  let outputTokens = 0;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: r.model,
        prompt: r.parts.join(""),
        max_tokens: r.maxTokens,
        stream: true,
      }),
    });
    if (!res.ok || !res.body) {
      await res.arrayBuffer().catch(() => undefined);
      return { ttftMs, e2eMs: Number.NaN, outputTokens, ok: false };
    }
    const decoder = new TextDecoder();
    let pending = "";
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let nl = pending.indexOf("\n\n");
      while (nl >= 0) {
        const event = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        if (event.startsWith("data: ") && !event.startsWith("data: [DONE]") && event.includes('"text"')) {
          if (outputTokens === 0) ttftMs = performance.now() - start;
          outputTokens++;
        }
        nl = pending.indexOf("\n\n");
      }
    }
    return { ttftMs, e2eMs: performance.now() - start, outputTokens, ok: outputTokens > 0 };
  } catch {
    return { ttftMs, e2eMs: Number.NaN, outputTokens, ok: false };
  }
}

/** Sends `requests` (arrival order, arrivalMs from 0) to the router at `httpPort`; resolves when all ended. */
export async function runLoad(
  httpPort: number,
  requests: readonly BenchRequest[],
  onProgress?: (sent: number, done: number) => void,
): Promise<LiveOutcome[]> {
  const url = `http://127.0.0.1:${httpPort}/v1/completions`;
  const t0 = performance.now();
  const pending: Promise<LiveOutcome>[] = [];
  let done = 0;
  for (const r of requests) {
    const wait = r.arrivalMs - (performance.now() - t0);
    if (wait > 1) await new Promise((res) => setTimeout(res, wait));
    pending.push(
      one(url, r).then((o) => {
        done++;
        return o;
      }),
    );
    onProgress?.(pending.length, done);
  }
  const timer = setInterval(() => onProgress?.(pending.length, done), 1_000);
  try {
    return await Promise.all(pending);
  } finally {
    clearInterval(timer);
  }
}
