/**
 * The request side of a gRPC stream: bytes as they arrive, messages out. Each message is a 5-byte
 * prefix (compressed flag, 4-byte big-endian length) and the message; refusals follow gRPC: a
 * compressed message INTERNAL when the call named no compression (the flag is then a protocol error)
 * or UNIMPLEMENTED for an encoding not offered here, a message above the limit RESOURCE_EXHAUSTED,
 * and a stream that ends inside a message INTERNAL.
 */
import { GRPC_PREFIX_BYTES } from "./grpc-frames.js";
import { GrpcStatus, GrpcStatusError } from "./grpc-status.js";

const EMPTY = new Uint8Array(0);

/** The 4-byte big-endian message length after the flag byte at `at`. */
function lengthAt(p: Uint8Array, at: number): number {
  return (
    (((p[at + 1] as number) << 24) |
      ((p[at + 2] as number) << 16) |
      ((p[at + 3] as number) << 8) |
      (p[at + 4] as number)) >>>
    0
  );
}

/** Reads the messages of one gRPC request stream. */
export class GrpcMessageReader {
  /** Bytes not yet returned as messages, from `#at`. */
  #pending: Uint8Array = EMPTY;
  #at = 0;
  readonly #maxMessageBytes: number;
  readonly #encoding: string;

  /**
   * @param maxMessageBytes largest message accepted, in bytes (the prefix not counted)
   * @param encoding the call's grpc-encoding header ("identity" when absent)
   */
  constructor(maxMessageBytes: number, encoding = "identity") {
    this.#maxMessageBytes = maxMessageBytes;
    this.#encoding = encoding;
  }

  /** Adds bytes received (kept by reference until read: do not reuse `chunk`). */
  push(chunk: Uint8Array): void {
    const rest = this.#pending.length - this.#at;
    if (rest === 0) this.#pending = chunk;
    else {
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.#pending.subarray(this.#at));
      joined.set(chunk, rest);
      this.#pending = joined;
    }
    this.#at = 0;
  }

  /**
   * The next whole message (a view into the bytes pushed), or undefined until more bytes arrive.
   * Throws GrpcStatusError for a message gRPC says to refuse.
   */
  next(): Uint8Array | undefined {
    const p = this.#pending;
    const at = this.#at;
    if (p.length - at < GRPC_PREFIX_BYTES) {
      if (at === p.length) {
        // All read: let the chunk go now rather than when the next one arrives.
        this.#pending = EMPTY;
        this.#at = 0;
      }
      return undefined;
    }
    const size = lengthAt(p, at);
    if (p[at] !== 0) throw this.#compressed(p[at] as number);
    if (size > this.#maxMessageBytes) {
      throw new GrpcStatusError(
        GrpcStatus.RESOURCE_EXHAUSTED,
        `message of ${size} bytes is larger than maxMessageBytes ${this.#maxMessageBytes}`,
      );
    }
    const start = at + GRPC_PREFIX_BYTES;
    if (p.length - start < size) return undefined;
    this.#at = start + size;
    return p.subarray(start, start + size);
  }

  /** The request stream ended: throws GrpcStatusError if it ended inside a message. */
  end(): void {
    const rest = this.#pending.length - this.#at;
    if (rest === 0) return;
    const what =
      rest < GRPC_PREFIX_BYTES
        ? `${rest} of the ${GRPC_PREFIX_BYTES}-byte message prefix`
        : `${rest - GRPC_PREFIX_BYTES} of a ${lengthAt(this.#pending, this.#at)}-byte message`;
    throw new GrpcStatusError(GrpcStatus.INTERNAL, `request stream ended inside a message: ${what} received`);
  }

  #compressed(flag: number): GrpcStatusError {
    if (flag !== 1) {
      return new GrpcStatusError(
        GrpcStatus.INTERNAL,
        `compressed flag ${flag} on a message: gRPC defines 0 and 1`,
      );
    }
    if (this.#encoding === "identity") {
      return new GrpcStatusError(
        GrpcStatus.INTERNAL,
        `compressed flag ${flag} on a message, but the call's grpc-encoding is identity`,
      );
    }
    return new GrpcStatusError(
      GrpcStatus.UNIMPLEMENTED,
      `grpc-encoding ${this.#encoding} is not supported: this server accepts identity`,
    );
  }
}
