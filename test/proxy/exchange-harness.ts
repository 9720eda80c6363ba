/**
 * The Exchange tests' harness (exchange-failover.test.ts, exchange-answer.test.ts): leases that
 * remember their release, a transport the test answers by hand, a recording client sink, and one
 * Exchange set up over them.
 */
import type { RouterError } from "../../src/core/errors.js";
import type { RouterMetrics } from "../../src/metrics/router-metrics.js";
import { Exchange } from "../../src/proxy/exchange.js";
import type { ExchangeContext } from "../../src/proxy/exchange-context.js";
import { defaultProxyOptions, type ProxyOptions } from "../../src/proxy/proxy-options.js";
import type { StreamOutcome } from "../../src/proxy/stream-outcome.js";
import type {
  ClientSink,
  HeaderRecord,
  OutHeaders,
  UpstreamEvents,
  UpstreamTarget,
} from "../../src/proxy/upstream.js";
import type { RouteDecision } from "../../src/routing/types.js";
import type { Lease } from "../../src/state/in-flight.js";
import type { Endpoint } from "../../src/state/types.js";

export const enc = new TextEncoder();
export const dec = new TextDecoder();
export const tick = () => new Promise((r) => setTimeout(r, 0));

/** Leases that remember whether they were released. */
export function leases() {
  const all: { address: string; released: boolean }[] = [];
  const make = (address: string): Lease => {
    const rec = { address, released: false };
    all.push(rec);
    return {
      pool: "p",
      address,
      tokens: 10,
      release: () => {
        rec.released = true;
      },
      moveTo: (to) => {
        const moved = make(to);
        rec.released = true;
        return moved;
      },
    };
  };
  return { all, make, acquire: (_p: string, address: string) => make(address) };
}

/** One upstream request the test answers by hand. */
interface Call {
  target: UpstreamTarget;
  events: UpstreamEvents;
  aborted: boolean;
  paused: boolean;
}

/** A transport whose calls the test drives; `auto` answers per host at once. */
export function transport(auto: Record<string, number | "refuse"> = {}) {
  const calls: Call[] = [];
  const fn = (target: UpstreamTarget, events: UpstreamEvents) => {
    const call: Call = { target, events, aborted: false, paused: false };
    calls.push(call);
    const what = auto[target.address];
    if (what === "refuse")
      queueMicrotask(() => events.error(Object.assign(new Error("connect"), { code: "ECONNREFUSED" })));
    else if (typeof what === "number")
      queueMicrotask(() => {
        if (call.aborted) return;
        events.head(what, { "content-type": "text/plain" });
        if (call.aborted) return;
        events.data(enc.encode(`status ${what}`));
        events.end();
      });
    return {
      abort: () => {
        call.aborted = true;
      },
      pause: () => {
        call.paused = true;
      },
      resume: () => {
        call.paused = false;
      },
    };
  };
  return { fn, calls };
}

/** A client sink that records everything, with a switch for backpressure. */
export function sink() {
  const s = {
    status: 0,
    headers: {} as OutHeaders,
    chunks: [] as string[],
    ended: false,
    full: false,
    drain: undefined as (() => void) | undefined,
    text: () => s.chunks.join(""),
  };
  const client: ClientSink = {
    head(status, headers) {
      s.status = status;
      s.headers = headers;
    },
    write(chunk) {
      s.chunks.push(dec.decode(chunk));
      return !s.full;
    },
    end(chunk) {
      if (chunk !== undefined) s.chunks.push(dec.decode(chunk));
      s.ended = true;
    },
    onDrain(resume) {
      s.drain = resume;
    },
  };
  return { s, client };
}

export function setup(opts: {
  n?: number;
  auto?: Record<string, number | "refuse">;
  options?: Partial<ProxyOptions>;
  targetModel?: string;
  metrics?: RouterMetrics;
  now?: () => number;
  evicted?: AbortSignal;
}) {
  const l = leases();
  const t = transport(opts.auto);
  const { s, client } = sink();
  const endpoints = Array.from(
    { length: opts.n ?? 3 },
    (_, i) => ({ address: `10.0.0.${i + 1}:8000` }) as Endpoint,
  );
  const decision: RouteDecision = {
    requestId: "req-1",
    pool: "p",
    clientModel: "m",
    targetModel: opts.targetModel ?? "m",
    priority: 0,
    objective: undefined,
    endpoints,
    lease: l.make(endpoints[0]!.address),
    body: enc.encode('{"model":"m"}'),
    bodyChanged: false,
    stream: false,
    promptTokens: 3,
    maxTokens: 7,
    ...(opts.evicted !== undefined && { evicted: opts.evicted }),
  };
  const outcomes: (StreamOutcome & { endpoint?: string })[] = [];
  const failures: RouterError[] = [];
  const context: ExchangeContext = {
    options: { ...defaultProxyOptions, ...opts.options },
    transport: t.fn,
    acquire: l.acquire,
    metrics: opts.metrics,
    now: opts.now ?? (() => performance.now()),
    onOutcome: (_d, o) => outcomes.push(o),
  };
  const headers: HeaderRecord = {
    "content-type": "application/json",
    connection: "keep-alive",
    "x-gateway-destination-endpoint": "6.6.6.6:80",
  };
  const x = new Exchange(
    context,
    decision,
    { path: "/v1/chat/completions", method: "POST", headers },
    client,
    (e) => failures.push(e),
  );
  return { x, l, t, s, outcomes, failures };
}
