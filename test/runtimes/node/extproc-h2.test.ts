import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleExtProcStream } from "../../../runtimes/node/extproc-h2.js";
import type { ExtProcProcessor, ExtProcSession } from "../../../src/extproc/index.js";
import { headersReply } from "../../../src/extproc/replies.js";
import { EXTPROC_PATH, GrpcStatus } from "../../../src/extproc/wire/grpc-status.js";
import {
  type ProcessingRequest,
  ProcessingResponseSchema,
} from "../../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";

const MAX_MESSAGE_BYTES = 16;

/** Sessions answer every request with a headers reply and record how they were closed. */
const closed: string[] = [];
const processor = {
  open: () =>
    ({
      handle: (_req: ProcessingRequest) => [headersReply("request")],
      close: (reason: string) => closed.push(reason),
      // Nothing is ever held by flow control here.
      takeDeferred: () => undefined,
      // No eviction here, so nothing is ever pushed unprompted.
      onPush: () => {},
    }) as unknown as ExtProcSession,
} as unknown as ExtProcProcessor;

let server: http2.Http2Server;
let port: number;

beforeAll(async () => {
  server = http2.createServer();
  server.on("stream", handleExtProcStream(processor, MAX_MESSAGE_BYTES));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface Answer {
  status: number | undefined;
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  data: Buffer;
}

/** One call from a plain node:http2 client: the given headers and body bytes, then the end of stream. */
async function call(body: Uint8Array, headers: http2.OutgoingHttpHeaders = {}): Promise<Answer> {
  const client = http2.connect(`http://127.0.0.1:${port}`);
  try {
    return await new Promise<Answer>((resolve, reject) => {
      const req = client.request({
        ":method": "POST",
        ":path": EXTPROC_PATH,
        "content-type": "application/grpc",
        te: "trailers",
        ...headers,
      });
      let head: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const data: Buffer[] = [];
      req.on("response", (h) => (head = h));
      req.on("trailers", (t) => (trailers = t));
      req.on("data", (d: Buffer) => data.push(d));
      req.on("error", reject);
      req.on("close", () => {
        const grpc = trailers["grpc-status"] !== undefined ? trailers : head;
        resolve({
          status: Number(head[":status"]),
          grpcStatus: grpc["grpc-status"] as string | undefined,
          grpcMessage: grpc["grpc-message"] as string | undefined,
          data: Buffer.concat(data),
        });
      });
      req.end(body);
    });
  } finally {
    client.close();
  }
}

function frame(message: Uint8Array, flag = 0, length = message.length): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flag;
  out.writeUInt32BE(length, 1);
  out.set(message, 5);
  return out;
}

/** An empty ProcessingRequest is zero bytes: a valid message. */
const EMPTY_REQUEST = new Uint8Array(0);

describe("handleExtProcStream", () => {
  it("answers each message with its replies as gRPC frames and ends with grpc-status 0", async () => {
    const a = await call(frame(EMPTY_REQUEST));
    expect([a.status, a.grpcStatus]).toEqual([200, "0"]);
    const length = a.data.readUInt32BE(1);
    expect(a.data.length).toBe(5 + length);
    expect(fromBinary(ProcessingResponseSchema, a.data.subarray(5))).toEqual(headersReply("request"));
    expect(toBinary(ProcessingResponseSchema, headersReply("request")).length).toBe(length);
  });

  it("answers another method's path with UNIMPLEMENTED and a message naming the path", async () => {
    const a = await call(frame(EMPTY_REQUEST), {
      ":path": "/envoy.service.ext_proc.v3.ExternalProcessor/Other",
    });
    expect([a.status, a.grpcStatus]).toEqual([200, String(GrpcStatus.UNIMPLEMENTED)]);
    expect(decodeURIComponent(a.grpcMessage ?? "")).toBe(
      `unknown method /envoy.service.ext_proc.v3.ExternalProcessor/Other: this server serves only ${EXTPROC_PATH}`,
    );
  });

  it("answers a request that is not gRPC with HTTP 415", async () => {
    const a = await call(new Uint8Array(0), { "content-type": "application/json" });
    expect(a.status).toBe(415);
    expect(decodeURIComponent(a.grpcMessage ?? "")).toBe(
      'content-type "application/json" is not application/grpc',
    );
  });

  it("ends a call that sends a compressed message with INTERNAL, the call having named no encoding", async () => {
    const a = await call(frame(new Uint8Array([1]), 1));
    expect([a.status, a.grpcStatus]).toEqual([200, String(GrpcStatus.INTERNAL)]);
    expect(decodeURIComponent(a.grpcMessage ?? "")).toBe(
      "compressed flag 1 on a message, but the call's grpc-encoding is identity",
    );
  });

  it("ends a call whose message is above maxMessageBytes with RESOURCE_EXHAUSTED, naming size and limit", async () => {
    const a = await call(frame(new Uint8Array(MAX_MESSAGE_BYTES + 1)));
    expect(a.grpcStatus).toBe(String(GrpcStatus.RESOURCE_EXHAUSTED));
    expect(decodeURIComponent(a.grpcMessage ?? "")).toBe(
      `message of ${MAX_MESSAGE_BYTES + 1} bytes is larger than maxMessageBytes ${MAX_MESSAGE_BYTES}`,
    );
  });

  it("ends a call whose stream stops inside a message with INTERNAL, after answering the whole ones", async () => {
    const before = closed.length;
    const a = await call(Buffer.concat([frame(EMPTY_REQUEST), frame(new Uint8Array(4)).subarray(0, 7)]));
    expect(a.grpcStatus).toBe(String(GrpcStatus.INTERNAL));
    expect(decodeURIComponent(a.grpcMessage ?? "")).toBe(
      "request stream ended inside a message: 2 of a 4-byte message received",
    );
    expect(a.data.readUInt32BE(1)).toBe(a.data.length - 5);
    expect(closed.slice(before)[0]).toBe("error");
  });
});
