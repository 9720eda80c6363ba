/**
 * The proxy's seams on Web standards, for fetch-style runtimes and tests: a fetch-shaped function
 * as an UpstreamTransport, and a ClientSink that becomes a `Response` (streamed bodies as a pull-based
 * ReadableStream, so the client's pace sets the upstream's).
 */
import { headerRecord } from "./forwarded-headers.js";
import type { UpstreamFetch } from "./proxy-options.js";
import type { ClientSink, OutHeaders, UpstreamCall, UpstreamTransport } from "./upstream.js";

/** Statuses whose Response may not carry a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A fetch-shaped function as a callback transport. */
export function fetchTransport(fetchFn: UpstreamFetch): UpstreamTransport {
  return (target, events) => {
    const controller = new AbortController();
    let done = false;
    let paused = false;
    let wake: (() => void) | undefined;
    const run = async () => {
      const response = await fetchFn(`http://${target.address}${target.path}`, {
        method: target.method,
        headers: new Headers(target.headers),
        body: target.body,
        signal: controller.signal,
        connectTimeoutMs: target.connectTimeoutMs,
      });
      if (done) return void response.body?.cancel().catch(() => {});
      events.head(response.status, headerRecord(response.headers));
      const body = response.body;
      if (done) return void body?.cancel().catch(() => {});
      if (body === null) {
        done = true;
        return events.end();
      }
      const reader = body.getReader();
      for (;;) {
        if (paused) await new Promise<void>((resolve) => (wake = resolve));
        if (done) return void reader.cancel().catch(() => {});
        const { done: last, value } = await reader.read();
        if (done) return;
        if (last) {
          done = true;
          return events.end();
        }
        events.data(value);
      }
    };
    run().catch((err: unknown) => {
      if (done) return;
      done = true;
      events.error(err);
    });
    const call: UpstreamCall = {
      abort() {
        if (done) return;
        done = true;
        controller.abort(new Error("the proxy gave the request up"));
        wake?.();
      },
      pause() {
        paused = true;
      },
      resume() {
        paused = false;
        const w = wake;
        wake = undefined;
        w?.();
      },
    };
    return call;
  };
}

function toHeaders(out: OutHeaders): Headers {
  const headers = new Headers();
  for (const name in out) {
    const value = out[name]!;
    if (typeof value === "string") headers.set(name, value);
    else for (const v of value) headers.append(name, v);
  }
  return headers;
}

/** A ClientSink whose response arrives as a `Response`, and a way to learn of the client leaving. */
export interface ResponseSink {
  sink: ClientSink;
  /** Resolves with the response once its head (or, when buffered, all of it) is known. */
  response: Promise<Response>;
  /** Called when the client cancels a streamed body. */
  onCancel(cancel: () => void): void;
  /** Resolves `response` with this one unless it is already resolved (the client left first). */
  settle(response: Response): void;
}

/** @example const { sink, response } = responseSink(); proxy.forward(d, head, sink, fail); return response; */
export function responseSink(): ResponseSink {
  let settled = false;
  let done!: (r: Response) => void;
  const response = new Promise<Response>((r) => (done = r));
  const resolve = (r: Response) => {
    if (settled) return;
    settled = true;
    done(r);
  };
  let status = 200;
  let headers: OutHeaders = {};
  let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  let drain: (() => void) | undefined;
  let wanted = false;
  let cancel: (() => void) | undefined;
  const sink: ClientSink = {
    head(s, h) {
      status = s;
      headers = h;
      if (h["content-length"] !== undefined) return; // the whole body follows in end()
      const body = new ReadableStream<Uint8Array>(
        {
          start(c) {
            stream = c;
          },
          pull() {
            const d = drain;
            drain = undefined;
            if (d === undefined) wanted = true;
            else d();
          },
          cancel() {
            cancel?.();
          },
        },
        { highWaterMark: 0 },
      );
      resolve(new Response(body, { status, headers: toHeaders(headers) }));
    },
    write(chunk) {
      stream?.enqueue(chunk);
      wanted = false;
      return (stream?.desiredSize ?? 0) > 0;
    },
    end(chunk) {
      if (stream === undefined) {
        const body = NULL_BODY.has(status) ? null : ((chunk ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>);
        return resolve(new Response(body, { status, headers: toHeaders(headers) }));
      }
      if (chunk !== undefined) stream.enqueue(chunk);
      stream.close();
    },
    onDrain(resume) {
      if (wanted) {
        wanted = false;
        queueMicrotask(resume);
      } else drain = resume;
    },
  };
  return { sink, response, onCancel: (c) => (cancel = c), settle: resolve };
}
