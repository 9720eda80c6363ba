/**
 * Keeps Envoy's ext_proc connection alive under nghttp2's rapid-reset limit (CVE-2023-44487), and
 * logs what happens to each connection. nghttp2 inside Node counts every RST_STREAM a server session
 * receives, for an open stream or one already closed (nghttp2_session_on_rst_stream_received), and
 * past RST_STREAM_LIMIT.burst, refilled at RST_STREAM_LIMIT.ratePerSecond, answers with
 * GOAWAY(INTERNAL_ERROR), which fails every stream in flight on the connection. Envoy's ext_proc
 * filter ends a side stream with END_STREAM and, in the same write, RST_STREAM(NO_ERROR) (its
 * codec's code for a local reset) unless the runtime guard
 * `envoy.reloadable_features.ext_proc_graceful_grpc_close` is on (envoyproxy/envoy#38661): then it
 * half-closes and waits for the trailers, and so does grpc-js. Node 20 cannot raise the limit
 * (`streamResetBurst` / `streamResetRate` exist from Node 22.10), and raising it would only weaken
 * the protection. So the limit stays, and the server retires a connection gracefully before the
 * resets it has SEEN could exhaust it: a stream takes a token from a bucket of the same size when it
 * closes unless it ended gracefully, i.e. the client's END_STREAM arrived before the server's
 * trailers went out and no reset closed it. A stream the server ended first (an error, a refusal)
 * takes one too: the client may reset it after the stream is gone on this side, where only nghttp2
 * sees it. When the bucket runs low the server sends a GOAWAY(NO_ERROR) shutdown notice (from then on
 * nghttp2 counts no reset on the connection) and, a second later, the final GOAWAY: streams in flight
 * finish, and the client opens a new connection. A graceful client is never retired.
 */
import http2 from "node:http2";

/**
 * nghttp2's rapid-reset limit, which is also Node's default: a burst of 1,000 RST_STREAM frames per
 * connection, refilled at 33 per second. Given to node:http2 explicitly (it honours the options from
 * Node 22.10; Node 20 has these values built in) so that the bucket here and nghttp2's agree.
 */
export const RST_STREAM_LIMIT = { burst: 1000, ratePerSecond: 33 } as const;

/**
 * This bucket's refill, below nghttp2's: a reset that reaches the server after its trailers closed the
 * stream (END_STREAM and RST_STREAM split across two reads; ~1% of Node clients' END_STREAM +
 * RST_STREAM(NO_ERROR) endings on loopback, Envoy writes both at once) is counted by nghttp2 alone.
 * The 3/s difference keeps this bucket the emptier one while such resets stay under a tenth of those seen.
 */
const REFILL_PER_SECOND = 30;

/**
 * Tokens left when the connection is retired: room for nghttp2's whole-second refill (up to
 * `ratePerSecond` ahead of this bucket), for the resets nghttp2 counts in one read before their
 * streams' `close` events run here, and for the streams that arrive after the shutdown notice.
 */
const HEADROOM = 250;

/**
 * How long after the shutdown notice the final GOAWAY goes out (ms): long enough for every stream the
 * client had queued before it read the notice to arrive (a PING's ack is no proof: nghttp2 sends acks
 * ahead of queued HEADERS). Go's http2 server and Envoy's own drain wait the same way.
 */
const NOTICE_GRACE_MS = 1000;

/** Streams a client may still open after the notice before the final GOAWAY goes out at once. */
const AFTER_NOTICE = HEADROOM / 2;

/** A connection event worth a log line and a count: what happened, and the HTTP/2 error code. */
export interface ConnectionEvent {
  /** `retired`: closed before the reset limit (`code` 0); `goaway`: the client sent one; `error`: the session failed. */
  event: "retired" | "goaway" | "error";
  code: number;
}

/** http2.ServerOptions plus the reset-limit options Node 20's types do not declare yet. */
export type ResetLimitOptions = { streamResetBurst: number; streamResetRate: number };

export const resetLimitOptions: ResetLimitOptions = {
  streamResetBurst: RST_STREAM_LIMIT.burst,
  streamResetRate: RST_STREAM_LIMIT.ratePerSecond,
};

/** HTTP/2 error code names (RFC 9113, section 7) for log lines. */
const CODE_NAMES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];

/** The name of an HTTP/2 error code, e.g. 2 -> "INTERNAL_ERROR". */
export function http2CodeName(code: number): string {
  return CODE_NAMES[code] ?? `UNKNOWN_${code}`;
}

/** One connection's bucket: `take()` once per stream that may be followed by a reset. */
interface ResetBucket {
  take(): void;
}

const BUCKET = Symbol("reset bucket");
const GRACEFUL = Symbol("client ended first");
type GuardedStream = http2.ServerHttp2Stream & { [BUCKET]?: ResetBucket | undefined; [GRACEFUL]?: boolean };

// Per-stream listeners are the module's (no closures per stream); a stream takes at most one token.

/** The trailers go out now: graceful if the client's END_STREAM came first (it has nothing left to reset). */
function onWantTrailers(this: GuardedStream): void {
  this[GRACEFUL] = this.readableEnded;
}

/** Closed while this side was still open: a reset. Counted at once, inside nghttp2's read of it. */
function onAborted(this: GuardedStream): void {
  const bucket = this[BUCKET];
  this[BUCKET] = undefined;
  bucket?.take();
}

/** Closed: free only when the client ended first and the trailers closed it (no reset code). */
function onStreamClose(this: GuardedStream): void {
  const bucket = this[BUCKET];
  if (bucket === undefined) return;
  this[BUCKET] = undefined;
  if (this.rstCode !== http2.constants.NGHTTP2_NO_ERROR || this[GRACEFUL] !== true) bucket.take();
}

/**
 * Watches one server session: retires it before the client's resets exhaust nghttp2's limit, and
 * reports its GOAWAYs and errors through `report`.
 */
export function guardSession(
  session: http2.ServerHttp2Session,
  report: (e: ConnectionEvent, details: Record<string, unknown>) => void,
): void {
  let tokens: number = RST_STREAM_LIMIT.burst;
  let refilledAt = performance.now();
  let streams = 0;
  let resets = 0;
  let retiredAt = -1;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Node answers a client's GOAWAY(NO_ERROR) (a Node client sends one on reading the notice) with
  // session.close() at once, and that final GOAWAY names the last stream nghttp2 has processed: streams
  // the client opened before reading the notice, still unread in the socket, would be refused. So
  // during the grace a close() waits for the timer; only the final GOAWAY is sent by `close` below.
  const nodeClose = session.close;
  const close = () => {
    clearTimeout(timer);
    session.close = nodeClose;
    // The final GOAWAY names the last stream this side saw; open streams finish on their own.
    if (!session.closed && !session.destroyed) session.close();
  };
  const retire = () => {
    retiredAt = streams;
    report({ event: "retired", code: http2.constants.NGHTTP2_NO_ERROR }, { streams, resets });
    // The shutdown notice: no new streams please, but any already on their way are still served.
    session.goaway(http2.constants.NGHTTP2_NO_ERROR, 2 ** 31 - 1);
    timer = setTimeout(close, NOTICE_GRACE_MS);
    timer.unref();
    session.close = (callback?: () => void) => {
      if (callback !== undefined) session.once("close", callback);
    };
  };
  const bucket: ResetBucket = {
    take() {
      resets++;
      if (retiredAt >= 0 || session.closed || session.destroyed) return;
      const now = performance.now();
      tokens = Math.min(RST_STREAM_LIMIT.burst, tokens + ((now - refilledAt) / 1000) * REFILL_PER_SECOND);
      refilledAt = now;
      tokens -= 1;
      if (tokens < HEADROOM) retire();
    },
  };
  session.on("stream", (stream: GuardedStream) => {
    streams++;
    // A client that ignores the notice gets no more than AFTER_NOTICE streams out of it.
    if (retiredAt >= 0 && streams - retiredAt === AFTER_NOTICE) close();
    stream[BUCKET] = bucket;
    stream.on("wantTrailers", onWantTrailers);
    stream.on("aborted", onAborted);
    stream.on("close", onStreamClose);
  });
  session.once("close", () => clearTimeout(timer));
  session.on("goaway", (code: number, lastStreamId: number) =>
    report({ event: "goaway", code }, { lastStreamId, streams }),
  );
  session.on("error", (err: Error & { code?: string }) =>
    report({ event: "error", code: http2.constants.NGHTTP2_INTERNAL_ERROR }, { error: err.message, streams }),
  );
  session.on("frameError", (type: number, code: number, id: number) =>
    report({ event: "error", code }, { frameType: type, streamId: id, streams }),
  );
}
