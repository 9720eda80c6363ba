/**
 * A grpc-js client that plays Envoy's ext_proc filter against the picker, loading our own proto files
 * with @grpc/proto-loader (so the wire format is checked by an independent implementation).
 */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const protoDir = fileURLToPath(new URL("../../proto/", import.meta.url));

const loaderOptions = {
  keepCase: true,
  longs: String,
  enums: Number,
  bytes: Buffer,
  defaults: false,
  oneofs: true,
};

// biome-ignore lint/suspicious/noExplicitAny: messages as proto-loader's plain objects
export type Msg = Record<string, any>;

function load(file: string): grpc.GrpcObject {
  return grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { ...loaderOptions, includeDirs: [protoDir] }),
  );
}

type ServiceCtor = new (address: string, creds: grpc.ChannelCredentials, options?: object) => grpc.Client;

function service(pkg: grpc.GrpcObject, path: string): ServiceCtor {
  let node: unknown = pkg;
  for (const part of path.split(".")) node = (node as Record<string, unknown>)[part];
  return node as ServiceCtor;
}

const MAX = 64 * 1024 * 1024;

/** An ExternalProcessor client on 127.0.0.1:port (h2c); `options` are extra grpc-js channel options. */
export function extProcClient(port: number, options: grpc.ChannelOptions = {}): grpc.Client {
  const Ctor = service(
    load("envoy/service/ext_proc/v3/external_processor.proto"),
    "envoy.service.ext_proc.v3.ExternalProcessor",
  );
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": MAX,
    "grpc.max_send_message_length": MAX,
    ...options,
  });
}

/** A grpc.health.v1.Health client. */
export function healthClient(port: number): grpc.Client {
  const Ctor = service(load("grpc/health/v1/health.proto"), "grpc.health.v1.Health");
  return new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** One Process stream with a reply queue. */
export class ExtProcCall {
  readonly call: grpc.ClientDuplexStream<Msg, Msg>;
  readonly replies: Msg[] = [];
  ended = false;
  error: Error | undefined;
  #waiters: (() => void)[] = [];

  constructor(client: grpc.Client) {
    this.call = (client as unknown as { Process(): grpc.ClientDuplexStream<Msg, Msg> }).Process();
    this.call.on("data", (m: Msg) => {
      this.replies.push(m);
      this.#wake();
    });
    this.call.on("end", () => {
      this.ended = true;
      this.#wake();
    });
    this.call.on("error", (e: Error) => {
      this.error = e;
      this.ended = true;
      this.#wake();
    });
  }

  send(m: Msg): this {
    this.call.write(m);
    return this;
  }

  /** Waits until at least `n` replies arrived in total; returns them all. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<Msg[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < n) {
      if (this.ended)
        throw new Error(`stream ended after ${this.replies.length} replies: ${this.error?.message}`);
      if (Date.now() > deadline) throw new Error(`timed out with ${this.replies.length}/${n} replies`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.replies;
  }

  /** Waits until the reply with end_of_stream on the given body direction arrives. */
  async waitForBodyEnd(direction: "request_body" | "response_body", timeoutMs = 10_000): Promise<Msg[]> {
    const done = () =>
      this.replies.some((r) => r[direction]?.response?.body_mutation?.streamed_response?.end_of_stream);
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.ended || Date.now() > deadline)
        throw new Error(`no end of ${direction} (${this.replies.length} replies)`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.replies;
  }

  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/** google.protobuf.Struct from plain JSON (protobufjs spells the well-known types' fields in camelCase even with keepCase). */
export function struct(obj: Record<string, unknown>): Msg {
  const value = (v: unknown): Msg =>
    Array.isArray(v)
      ? { listValue: { values: v.map(value) } }
      : typeof v === "string"
        ? { stringValue: v }
        : typeof v === "number"
          ? { numberValue: v }
          : { structValue: struct(v as Record<string, unknown>) };
  return { fields: Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, value(v)])) };
}

/** Plain JSON from a google.protobuf.Struct. */
export function fromStruct(s: Msg | undefined): Record<string, unknown> {
  const value = (v: Msg): unknown =>
    v.listValue
      ? (v.listValue.values ?? []).map(value)
      : v.structValue
        ? fromStruct(v.structValue)
        : (v.stringValue ?? v.numberValue ?? v.boolValue);
  return Object.fromEntries(Object.entries(s?.fields ?? {}).map(([k, v]) => [k, value(v as Msg)]));
}

export const requestHeaders = (
  h: Record<string, string>,
  endOfStream = false,
  filterMetadata?: Record<string, Msg>,
): Msg => ({
  request_headers: {
    headers: { headers: Object.entries(h).map(([key, v]) => ({ key, raw_value: Buffer.from(v) })) },
    end_of_stream: endOfStream,
  },
  ...(filterMetadata && { metadata_context: { filter_metadata: filterMetadata } }),
});

export const requestBody = (body: string | Uint8Array, endOfStream: boolean): Msg => ({
  request_body: { body: Buffer.from(body), end_of_stream: endOfStream },
});

export const responseHeaders = (h: Record<string, string>, filterMetadata?: Record<string, Msg>): Msg => ({
  response_headers: {
    headers: { headers: Object.entries(h).map(([key, v]) => ({ key, raw_value: Buffer.from(v) })) },
  },
  ...(filterMetadata && { metadata_context: { filter_metadata: filterMetadata } }),
});

export const responseBody = (body: string, endOfStream: boolean): Msg => ({
  response_body: { body: Buffer.from(body), end_of_stream: endOfStream },
});

/** Set headers of a headers reply (request or response direction). */
export function setHeaders(reply: Msg | undefined): Record<string, string> {
  // Headers replies carry the mutation; in BUFFERED mode the body reply does.
  const common = (
    reply?.request_headers ??
    reply?.response_headers ??
    reply?.request_body ??
    reply?.response_body
  )?.response;
  const out: Record<string, string> = {};
  for (const h of common?.header_mutation?.set_headers ?? []) {
    out[h.header.key] = h.header.raw_value?.length
      ? Buffer.from(h.header.raw_value).toString()
      : (h.header.value ?? "");
  }
  return out;
}

/** Streamed body chunks among the replies. */
export function bodyChunks(
  replies: Msg[],
  direction: "request_body" | "response_body",
): { body: Buffer; eos: boolean }[] {
  return replies
    .map((r) => r[direction]?.response?.body_mutation?.streamed_response)
    .filter((s): s is Msg => s !== undefined)
    .map((s) => ({ body: Buffer.from(s.body ?? []), eos: s.end_of_stream === true }));
}
