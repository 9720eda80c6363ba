import { describe, expect, it } from "vitest";
import { GrpcMessageReader } from "../../../src/extproc/wire/grpc-reader.js";
import { GrpcStatus, GrpcStatusError } from "../../../src/extproc/wire/grpc-status.js";

/** One gRPC frame: flag byte, 4-byte big-endian length, message. */
function frame(message: Uint8Array, flag = 0, length = message.length): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, length);
  out.set(message, 5);
  return out;
}

const bytes = (...b: number[]) => new Uint8Array(b);

function readAll(reader: GrpcMessageReader): number[][] {
  const out: number[][] = [];
  for (let m = reader.next(); m !== undefined; m = reader.next()) out.push([...m]);
  return out;
}

/** The GrpcStatusError `fn` throws. */
function refusal(fn: () => unknown): GrpcStatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GrpcStatusError) return err;
    throw err;
  }
  throw new Error("no refusal");
}

describe("GrpcMessageReader", () => {
  it("returns each message of a chunk, and waits for the rest of a split one", () => {
    const r = new GrpcMessageReader(100);
    const two = frame(bytes(1, 2, 3));
    const chunk = new Uint8Array([...frame(bytes(9)), ...frame(new Uint8Array(0)), ...two.subarray(0, 3)]);
    r.push(chunk);
    expect(readAll(r)).toEqual([[9], []]);
    r.push(two.subarray(3, 6));
    expect(readAll(r)).toEqual([]);
    r.push(two.subarray(6));
    expect(readAll(r)).toEqual([[1, 2, 3]]);
    expect(() => r.end()).not.toThrow();
  });

  it("accepts a message of exactly maxMessageBytes", () => {
    const r = new GrpcMessageReader(4);
    r.push(frame(bytes(1, 2, 3, 4)));
    expect(readAll(r)).toEqual([[1, 2, 3, 4]]);
  });

  it("refuses a message above maxMessageBytes with RESOURCE_EXHAUSTED, naming its size and the limit, from its prefix alone", () => {
    const r = new GrpcMessageReader(4);
    r.push(frame(bytes(1, 2, 3, 4, 5)).subarray(0, 5));
    const err = refusal(() => r.next());
    expect(err.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(err.message).toBe("message of 5 bytes is larger than maxMessageBytes 4");
  });

  it("refuses a compressed message on a call without grpc-encoding with INTERNAL", () => {
    const r = new GrpcMessageReader(100);
    r.push(frame(bytes(1), 1));
    const err = refusal(() => r.next());
    expect(err.code).toBe(GrpcStatus.INTERNAL);
    expect(err.message).toBe("compressed flag 1 on a message, but the call's grpc-encoding is identity");
  });

  it("refuses a compressed message in an encoding it does not offer with UNIMPLEMENTED, naming the encoding", () => {
    const r = new GrpcMessageReader(100, "gzip");
    r.push(frame(bytes(1), 1));
    const err = refusal(() => r.next());
    expect(err.code).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(err.message).toBe("grpc-encoding gzip is not supported: this server accepts identity");
  });

  it("refuses a flag byte gRPC does not define with INTERNAL", () => {
    const r = new GrpcMessageReader(100, "gzip");
    r.push(frame(bytes(1), 2));
    const err = refusal(() => r.next());
    expect(err.code).toBe(GrpcStatus.INTERNAL);
    expect(err.message).toBe("compressed flag 2 on a message: gRPC defines 0 and 1");
  });

  it("reads uncompressed messages on a call that names an encoding", () => {
    const r = new GrpcMessageReader(100, "gzip");
    r.push(frame(bytes(7)));
    expect(readAll(r)).toEqual([[7]]);
  });

  it("refuses a stream that ends inside a message with INTERNAL, saying how much arrived", () => {
    const inBody = new GrpcMessageReader(100);
    inBody.push(frame(bytes(1, 2, 3, 4)).subarray(0, 7));
    expect(readAll(inBody)).toEqual([]);
    const err = refusal(() => inBody.end());
    expect(err.code).toBe(GrpcStatus.INTERNAL);
    expect(err.message).toBe("request stream ended inside a message: 2 of a 4-byte message received");

    const inPrefix = new GrpcMessageReader(100);
    inPrefix.push(bytes(0, 0));
    expect(readAll(inPrefix)).toEqual([]);
    expect(refusal(() => inPrefix.end()).message).toBe(
      "request stream ended inside a message: 2 of the 5-byte message prefix received",
    );
  });
});
