/** Test helpers: an OpenAI-style SSE reader, the Prometheus parser, and an in-process replica. */
import { createRequire } from "node:module";
import { type ReplicaOptions, type RunningReplica, startReplica } from "../../runtimes/sim/replica.js";
import { noFaults } from "../../src/sim/fault-plan.js";

/** One parsed metric family, as parse-prometheus-text-format returns it. */
export interface MetricFamily {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }[];
}

export const parsePrometheus = createRequire(import.meta.url)("parse-prometheus-text-format") as (
  text: string,
) => MetricFamily[];

/** Value of a metric's first sample in an exposition (NaN when absent). */
export function sample(families: MetricFamily[], name: string): number {
  return Number(families.find((f) => f.name === name)?.metrics[0]?.value ?? Number.NaN);
}

/** An SSE event with the time it arrived (performance.now ms). */
export interface TimedEvent {
  data: string;
  at: number;
}

/** Reads a `text/event-stream` body the way OpenAI clients do: events split on blank lines. */
export async function readSse(res: Response): Promise<TimedEvent[]> {
  const events: TimedEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += value;
    let end = buf.indexOf("\n\n");
    while (end >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const data = block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      events.push({ data, at: performance.now() });
      end = buf.indexOf("\n\n");
    }
  }
  return events;
}

/** A replica on 127.0.0.1, port 0, demo preset, no faults, unless overridden. */
export function startTestReplica(over: Partial<ReplicaOptions> = {}): Promise<RunningReplica> {
  return startReplica({
    index: 0,
    host: "127.0.0.1",
    port: 0,
    engine: { preset: "demo" },
    seed: 1,
    faults: noFaults,
    slowStartMs: 0,
    defaultMaxTokens: 16,
    maxTokensCap: 1024,
    ...over,
  });
}

/** POSTs JSON. */
export function post(base: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it returns true or `ms` pass. */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error("condition not met in time");
}
