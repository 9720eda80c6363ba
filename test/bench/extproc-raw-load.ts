/**
 * bench:extproc's default load client (`--client raw`): HTTP/2 frames written and read on plain
 * sockets, so that the bench measures the picker, not its client. grpc-js spends ~0.09-0.10 ms of CPU
 * per exchange (channel, call and stream objects, its HTTP/2 session on node:http2), as much as the
 * picker: on two shared cores it capped the closed-loop figure near 10,000/s. This client spends ~0.03
 * ms (its CPU per request is a column of the bench's table): per exchange it copies the pre-encoded
 * bytes (HEADERS, then one DATA frame with the headers and body messages), stamps the stream id and a fresh x-request-id, and reads the replies' DATA frames
 * by walking the protobuf tags to the one field it waits for. Envoy's pattern with graceful close:
 * once the last body chunk is back, END_STREAM (an empty DATA frame), then the picker's trailers end
 * the stream. No HPACK decoding: the reply headers are skipped, a stream ended before its answer fails.
 * Flow control is kept: this side advertises 1 GiB windows and tops the connection's up; it sends no
 * more DATA than the picker's connection window allows (queued until its WINDOW_UPDATE).
 */
import { connect, type Socket } from "node:net";
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
  REFUSED_STREAM,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
} from "../integration/helpers/http2-frames.js";
import { refusedStreams } from "./extproc-load.js";

const RECEIVE_WINDOW = 2 ** 30;

function frameHead(length: number, type: number, flags: number, stream: number): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return head;
}

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([frameHead(payload.length, type, flags, stream), payload]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * The gRPC request's header blocks, HPACK-coded as Envoy's encoder codes them: the first request of
 * a connection adds its fields to the dynamic table (literal with incremental indexing; `:method POST`
 * and `:scheme http` are in the static table), every later one names them by index, one byte each.
 * (Literals on every request made the picker build fresh header strings per request, work Envoy's
 * requests do not cost it.) No Huffman coding: every string is < 127 bytes.
 */
function headerBlocks(port: number): { first: Buffer; rest: Buffer } {
  // Static table (RFC 7541 Appendix A): 3 = :method POST, 6 = :scheme http; names 4 = :path,
  // 1 = :authority, 31 = content-type; `te` has no entry.
  const fields: [number, string, string][] = [
    [4, ":path", PROCESS],
    [1, ":authority", `127.0.0.1:${port}`],
    [31, "content-type", "application/grpc"],
    [0, "te", "trailers"],
  ];
  const literal = ([index, name, value]: [number, string, string]) =>
    index > 0
      ? Buffer.concat([Buffer.from([0x40 | index, value.length]), Buffer.from(value)])
      : Buffer.concat([
          Buffer.from([0x40, name.length]),
          Buffer.from(name),
          Buffer.from([value.length]),
          Buffer.from(value),
        ]);
  // Each added entry takes index 62 and pushes the earlier ones up: the first added is now 61 + n.
  const n = fields.length;
  return {
    first: Buffer.concat([Buffer.from([0x83, 0x86]), ...fields.map(literal)]),
    rest: Buffer.from([0x83, 0x86, ...fields.map((_, i) => 0x80 | (61 + n - i))]),
  };
}

function grpcFrame(message: Buffer): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** Reads a varint at `at`; returns [value, next offset]. Values here stay far below 2^31. */
function varint(b: Buffer, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const c = b[at++]!;
    v += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) return [v, at];
    shift += 7;
  }
}

/**
 * The field `field` of the message in `b[from, to)`: [start, end) of a length-delimited one, or
 * [value, -1] of a varint one; undefined when absent.
 */
function field(b: Buffer, from: number, to: number, want: number): [number, number] | undefined {
  for (let at = from; at < to; ) {
    const [tag, next] = varint(b, at);
    const [num, wire] = [Math.floor(tag / 8), tag & 7];
    at = next;
    if (wire === 0) {
      const [v, after] = varint(b, at);
      if (num === want) return [v, -1];
      at = after;
    } else if (wire === 2) {
      const [len, start] = varint(b, at);
      if (num === want) return [start, start + len];
      at = start + len;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`reply: wire type ${wire}`);
  }
  return undefined;
}

/**
 * Whether a ProcessingResponse in `b[from, to)` is the last streamed chunk of the request body:
 * request_body (3) . response (1) . body_mutation (3) . streamed_response (3) . end_of_stream (2).
 * Throws on an immediate_response (7): the picker refused the request.
 */
export function endsRequestBody(b: Buffer, from: number, to: number): boolean {
  if (field(b, from, to, 7) !== undefined) throw new Error("immediate response from the picker");
  let at: [number, number] | undefined = [from, to];
  for (const f of [3, 1, 3, 3]) {
    at = field(b, at[0], at[1], f);
    if (at === undefined || at[1] < 0) return false;
  }
  const eos = field(b, at[0], at[1], 2);
  return eos !== undefined && eos[1] < 0 && eos[0] === 1;
}

interface Stream {
  start: number;
  answered: boolean;
  /** Reply bytes not yet a whole gRPC message. */
  pending: Buffer | undefined;
  resolve: (ms: number) => void;
  reject: (e: Error) => void;
  attempt: number;
}

/** One request's bytes (HEADERS, then one DATA frame), the stream id and request id to stamp. */
interface Template {
  bytes: Buffer;
  /** Where the DATA frame's header starts. */
  dataAt: number;
  /** Where the request id's last 12 hex digits are. */
  idAt: number;
}

interface Connection {
  slot: number;
  /** The first request (the one that fills the HPACK dynamic table) is written. */
  indexed: boolean;
  socket: Socket;
  streams: Map<number, Stream>;
  nextId: number;
  draining: boolean;
  /** What the picker lets this side send on the connection (bytes of DATA payload). */
  sendWindow: number;
  /** Requests waiting for connection window. */
  queued: Stream[];
  /** DATA payload received since the last WINDOW_UPDATE this side sent. */
  received: number;
}

/**
 * `connections` HTTP/2 connections to the picker on 127.0.0.1:`port`; `exchange(i)` sends one
 * request on connection i % connections and resolves with ms from its send to the last body chunk.
 * `head` and `body` are the encoded ProcessingRequest messages (without gRPC framing); `requestId`,
 * a 36-character id inside `head`, is replaced per request by a fresh one (as Envoy's x-request-id).
 */
export class RawExtProcClient {
  readonly #connections: (Connection | undefined)[];
  readonly #first: Template;
  readonly #rest: Template;
  readonly #dataLength: number;
  #seq = 0;

  constructor(
    readonly port: number,
    connections: number,
    head: Buffer,
    body: Buffer,
    requestId: string,
  ) {
    this.#connections = Array.from({ length: connections }, () => undefined);
    const blocks = headerBlocks(port);
    const payload = Buffer.concat([grpcFrame(head), grpcFrame(body)]);
    this.#dataLength = payload.length;
    const template = (block: Buffer): Template => {
      const bytes = Buffer.concat([
        frameHead(block.length, HEADERS, END_HEADERS, 0),
        block,
        frameHead(payload.length, DATA, 0, 0),
        payload,
      ]);
      const idAt = bytes.indexOf(requestId);
      if (idAt < 0 || requestId.length !== 36)
        throw new Error("raw client: request id not in the headers message");
      return { bytes, dataAt: 9 + block.length, idAt: idAt + 24 }; // the last 12 hex digits: a counter
    };
    this.#first = template(blocks.first);
    this.#rest = template(blocks.rest);
  }

  exchange(i: number, attempt = 1, start?: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const s: Stream = { start: start ?? 0, answered: false, pending: undefined, resolve, reject, attempt };
      const c = this.#connection(i % this.#connections.length);
      if (this.#dataLength > c.sendWindow) c.queued.push(s);
      else this.#send(c, s);
    });
  }

  close(): void {
    for (const c of this.#connections) c?.socket.end();
  }

  #send(c: Connection, s: Stream): void {
    const id = c.nextId;
    c.nextId += 2;
    const t = c.indexed ? this.#rest : this.#first;
    c.indexed = true;
    const bytes = Buffer.allocUnsafe(t.bytes.length);
    t.bytes.copy(bytes);
    bytes.writeUInt32BE(id, 5);
    bytes.writeUInt32BE(id, t.dataAt + 5);
    bytes.write((++this.#seq).toString(16).padStart(12, "0"), t.idAt, 12, "latin1");
    c.sendWindow -= this.#dataLength;
    c.streams.set(id, s);
    if (s.start === 0) s.start = performance.now();
    c.socket.write(bytes);
  }

  #connection(slot: number): Connection {
    const known = this.#connections[slot];
    if (known !== undefined && !known.draining && !known.socket.destroyed) return known;
    const socket = connect(this.port, "127.0.0.1");
    socket.setNoDelay(true);
    const c: Connection = {
      slot,
      indexed: false,
      socket,
      streams: new Map(),
      nextId: 1,
      draining: false,
      sendWindow: 65535,
      queued: [],
      received: 0,
    };
    this.#connections[slot] = c;
    // SETTINGS: ENABLE_PUSH 0, INITIAL_WINDOW_SIZE 1 GiB; the connection's window raised to 1 GiB.
    const settings = Buffer.concat([Buffer.from([0, 2]), u32(0), Buffer.from([0, 4]), u32(RECEIVE_WINDOW)]);
    socket.write(
      Buffer.concat([
        PREFACE,
        frame(SETTINGS, 0, 0, settings),
        frame(WINDOW_UPDATE, 0, 0, u32(RECEIVE_WINDOW - 65535)),
      ]),
    );
    let pending: Buffer | undefined;
    socket.on("data", (chunk: Buffer) => {
      let b = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      while (b.length - at >= 9) {
        const length = b.readUIntBE(at, 3);
        if (b.length - at < 9 + length) break;
        this.#onFrame(
          c,
          b[at + 3]!,
          b[at + 4]!,
          b.readUInt32BE(at + 5) & 0x7fffffff,
          b,
          at + 9,
          at + 9 + length,
        );
        at += 9 + length;
      }
      pending = at === b.length ? undefined : b.subarray(at);
      b = chunk; // nothing else kept
    });
    socket.on("error", () => {}); // each stream reports its own failure (on close)
    socket.on("close", () => {
      for (const s of c.streams.values())
        if (!s.answered) s.reject(new Error("raw client: connection closed"));
      for (const s of c.queued) s.reject(new Error("raw client: connection closed"));
      c.streams.clear();
    });
    return c;
  }

  #onFrame(
    c: Connection,
    type: number,
    flags: number,
    id: number,
    b: Buffer,
    from: number,
    to: number,
  ): void {
    if (type === DATA) {
      c.received += to - from;
      if (c.received > RECEIVE_WINDOW / 2) {
        c.socket.write(frame(WINDOW_UPDATE, 0, 0, u32(c.received)));
        c.received = 0;
      }
      const s = c.streams.get(id);
      if (s === undefined || s.answered) return;
      this.#onData(c, id, s, b.subarray(from, to));
    } else if (type === HEADERS && (flags & END_STREAM) !== 0) {
      const s = c.streams.get(id);
      c.streams.delete(id);
      if (s !== undefined && !s.answered) s.reject(new Error(`raw client: stream ${id} ended unanswered`));
    } else if (type === RST_STREAM) {
      const s = c.streams.get(id);
      c.streams.delete(id);
      if (s === undefined || s.answered) return;
      if (b.readUInt32BE(from) === REFUSED_STREAM) this.#again(c, s);
      else s.reject(new Error(`raw client: stream ${id} reset (code ${b.readUInt32BE(from)})`));
    } else if (type === SETTINGS && (flags & ACK) === 0) {
      for (let at = from; at + 6 <= to; at += 6)
        if (b.readUInt16BE(at) === 4 && b.readUInt32BE(at + 2) < this.#dataLength)
          throw new Error("raw client: the picker's stream window is smaller than one request");
      c.socket.write(frame(SETTINGS, ACK, 0));
    } else if (type === WINDOW_UPDATE && id === 0) {
      c.sendWindow += b.readUInt32BE(from) & 0x7fffffff;
      while (c.queued.length > 0 && c.sendWindow >= this.#dataLength) this.#send(c, c.queued.shift()!);
    } else if (type === PING && (flags & ACK) === 0)
      c.socket.write(frame(PING, ACK, 0, b.subarray(from, to)));
    else if (type === GOAWAY) {
      // No new streams here; those above its last stream id were never processed: sent again.
      c.draining = true;
      const last = b.readUInt32BE(from) & 0x7fffffff;
      for (const [sid, s] of c.streams)
        if (sid > last && !s.answered) {
          c.streams.delete(sid);
          this.#again(c, s);
        }
    }
  }

  #onData(c: Connection, id: number, s: Stream, chunk: Buffer): void {
    const b = s.pending === undefined ? chunk : Buffer.concat([s.pending, chunk]);
    let at = 0;
    try {
      while (b.length - at >= 5) {
        const n = b.readUInt32BE(at + 1);
        if (b.length - at < 5 + n) break;
        if (endsRequestBody(b, at + 5, at + 5 + n)) {
          s.answered = true;
          s.pending = undefined;
          c.socket.write(frame(DATA, END_STREAM, id));
          s.resolve(performance.now() - s.start);
          return;
        }
        at += 5 + n;
      }
    } catch (e) {
      c.streams.delete(id);
      s.reject(e as Error);
      return;
    }
    // Copied: the socket's chunk is not kept past this frame.
    s.pending = at === b.length ? undefined : Buffer.from(b.subarray(at));
  }

  #again(c: Connection, s: Stream): void {
    if (s.attempt >= 3) {
      s.reject(new Error("raw client: stream refused 3 times"));
      return;
    }
    refusedStreams.resent++;
    this.exchange(c.slot, s.attempt + 1, s.start).then(s.resolve, s.reject);
  }
}
