/**
 * An ext_proc client that writes HTTP/2 frames itself, so that it ends a stream byte for byte as
 * Envoy does: Envoy's ext_proc filter without `ext_proc_graceful_grpc_close` calls closeStream() and
 * resetStream() back to back, and both frames, END_STREAM and RST_STREAM(NO_ERROR) (its codec's code
 * for a local reset), leave in one write. A node:http2 client cannot be made to do that: it holds an
 * RST_STREAM back while a write is in progress, and drops it if the server's trailers close the stream
 * first. All streams share one connection at a fixed rate, for a bounded count; a connection that
 * received a GOAWAY takes no new streams (the next ones go on a new connection), and a stream above its
 * last stream id is sent again, as RFC 9113 (6.8) allows.
 */
import { connect, type Socket } from "node:net";
import { chatRequestFrames, pickAnswered } from "./extproc-reset-client.js";
import {
  ACK,
  DATA,
  END_HEADERS,
  END_STREAM,
  GOAWAY,
  HEADERS,
  PING,
  PREFACE,
  PROCESS,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
} from "./helpers/http2-frames.js";

/**
 * How the client ends a stream once its pick is in:
 * - `reset`: END_STREAM and RST_STREAM(NO_ERROR) in one write (Envoy without graceful close);
 * - `half-close`: END_STREAM, then it waits for the trailers (Envoy with graceful close, grpc-js);
 * - `server-first`: a malformed message, so the picker ends the stream with an error status while this
 *   side is still open; once the trailers are in, END_STREAM and RST_STREAM(NO_ERROR) in one write;
 * - `abort`: RST_STREAM(CANCEL) alone, this side still open (Envoy when the downstream client goes away).
 */
export type Ending = "reset" | "half-close" | "server-first" | "abort";

export interface EndingRunResult {
  answered: number;
  failures: string[];
  /** GOAWAY frames received: error code and last stream id. */
  goaways: { code: number; lastStreamId: number }[];
  connections: number;
  /** Streams sent again on a new connection: above a GOAWAY's last stream id, never processed. */
  retried: number;
}

/** A gRPC frame whose message is not a ProcessingRequest (field 2 says 5 bytes, 1 follows). */
const MALFORMED = Buffer.from([0, 0, 0, 0, 3, 0x12, 0x05, 0x01]);

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** The request's header block: HPACK literals without indexing, no Huffman (every string < 127 bytes). */
function headerBlock(port: number): Buffer {
  const fields: [string, string][] = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", PROCESS],
    [":authority", `127.0.0.1:${port}`],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
  ];
  return Buffer.concat(
    fields.flatMap(([name, value]) => [
      Buffer.from([0, name.length]),
      Buffer.from(name),
      Buffer.from([value.length]),
      Buffer.from(value),
    ]),
  );
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

interface Stream {
  bytes: Buffer;
  answered: boolean;
  done: () => void;
  /** Sent again on a new connection (never processed by the server). */
  retry: () => void;
}

interface Connection {
  socket: Socket;
  streams: Map<number, Stream>;
  nextId: number;
  /** Set by a GOAWAY: no new streams. */
  draining: boolean;
}

/**
 * Sends `streams` chat requests at `rate` per second to the ext_proc listener on 127.0.0.1:`port`,
 * each ended as `ending` says once its pick is in; resolves when every stream is done or has failed
 * (unanswered or unfinished after `streamTimeoutMs`).
 */
export async function runEndingLoad(
  port: number,
  o: { streams: number; rate: number; ending: Ending; streamTimeoutMs: number },
): Promise<EndingRunResult> {
  const result: EndingRunResult = { answered: 0, failures: [], goaways: [], connections: 0, retried: 0 };
  const request = frame(DATA, 0, 0, chatRequestFrames());
  const block = headerBlock(port);
  const fail = (why: string) => {
    if (result.failures.length < 5) result.failures.push(why);
    else result.failures[4] = `${why} (and more)`;
  };
  let current: Connection | undefined;

  const open = (): Connection => {
    result.connections++;
    const socket = connect(port, "127.0.0.1");
    const c: Connection = { socket, streams: new Map(), nextId: 1, draining: false };
    // Receive windows far above what a run receives: no WINDOW_UPDATE needed from this side.
    const settings = Buffer.concat([Buffer.from([0, 2]), u32(0), Buffer.from([0, 4]), u32(2 ** 30)]);
    socket.write(
      Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, settings), frame(WINDOW_UPDATE, 0, 0, u32(2 ** 30))]),
    );
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 9 && pending.length >= 9 + pending.readUIntBE(0, 3)) {
        const length = pending.readUIntBE(0, 3);
        const [type, flags] = [pending[3]!, pending[4]!];
        const id = pending.readUInt32BE(5) & 0x7fffffff;
        const payload = pending.subarray(9, 9 + length);
        pending = pending.subarray(9 + length);
        onFrame(c, type, flags, id, payload);
      }
    });
    socket.on("error", () => {}); // each stream reports its own failure
    socket.on("close", () => {
      for (const [id, s] of c.streams) {
        c.streams.delete(id);
        if (s.answered) fail(`stream ${id}: connection closed before the stream ended`);
        else fail(`stream ${id}: connection closed unanswered`);
        s.done();
      }
    });
    return c;
  };

  const onFrame = (c: Connection, type: number, flags: number, id: number, payload: Buffer) => {
    if (type === SETTINGS && (flags & ACK) === 0) c.socket.write(frame(SETTINGS, ACK, 0));
    else if (type === PING && (flags & ACK) === 0) c.socket.write(frame(PING, ACK, 0, payload));
    else if (type === GOAWAY) {
      const lastStreamId = payload.readUInt32BE(0) & 0x7fffffff;
      result.goaways.push({ code: payload.readUInt32BE(4), lastStreamId });
      c.draining = true;
      for (const [sid, s] of c.streams)
        if (sid > lastStreamId && !s.answered) {
          c.streams.delete(sid);
          s.retry();
        }
    }
    const s = c.streams.get(id);
    if (s === undefined) return;
    if (type === DATA && !s.answered) {
      s.bytes = Buffer.concat([s.bytes, payload]);
      try {
        if (pickAnswered(s.bytes)) {
          s.answered = true;
          result.answered++;
          afterPick(c, id, s);
        }
      } catch (err) {
        c.streams.delete(id);
        fail(`stream ${id}: ${(err as Error).message}`);
        s.done();
      }
    } else if (type === HEADERS && (flags & END_STREAM) !== 0) {
      // The trailers (or a trailers-only answer): the server's side is done.
      c.streams.delete(id);
      if (!s.answered) fail(`stream ${id}: ended unanswered`);
      else if (o.ending === "server-first")
        c.socket.write(Buffer.concat([frame(DATA, END_STREAM, id), frame(RST_STREAM, 0, id, u32(0))]));
      s.done();
    } else if (type === RST_STREAM) {
      c.streams.delete(id);
      if (!s.answered) fail(`stream ${id}: reset by the server (code ${payload.readUInt32BE(0)})`);
      s.done();
    }
  };

  const afterPick = (c: Connection, id: number, s: Stream) => {
    if (o.ending === "reset" || o.ending === "abort") {
      c.streams.delete(id);
      c.socket.write(
        o.ending === "reset"
          ? Buffer.concat([frame(DATA, END_STREAM, id), frame(RST_STREAM, 0, id, u32(0))])
          : frame(RST_STREAM, 0, id, u32(8)),
      );
      s.done();
    } else if (o.ending === "half-close") c.socket.write(frame(DATA, END_STREAM, id));
    else c.socket.write(frame(DATA, 0, id, MALFORMED));
  };

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      if (current === undefined || current.draining || current.socket.destroyed) current = open();
      const c = current;
      const id = c.nextId;
      c.nextId += 2;
      const timer = setTimeout(() => {
        if (!c.streams.delete(id)) return;
        fail(`stream ${id}: not done in ${o.streamTimeoutMs} ms`);
        resolve();
      }, o.streamTimeoutMs);
      c.streams.set(id, {
        bytes: Buffer.alloc(0),
        answered: false,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
        retry: () => {
          clearTimeout(timer);
          result.retried++;
          resolve(one());
        },
      });
      const headers = frame(HEADERS, END_HEADERS, id, block);
      request.writeUInt32BE(id, 5);
      c.socket.write(Buffer.concat([headers, request]));
    });

  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < o.streams; i++) {
    const wait = t0 + (i * 1000) / o.rate - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one());
  }
  await Promise.all(pending);
  (current as Connection | undefined)?.socket.end();
  return result;
}
