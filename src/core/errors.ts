/**
 * One error type for the core. Every boundary maps it once, through {@link errorCodes}: Connect codes
 * for RPC, HTTP statuses and OpenAI's error JSON for the HTTP router, "inference error: <Code> - <msg>"
 * for ext_proc.
 */
import { Code } from "@connectrpc/connect";

/** The closed set of error codes. Names follow the upstream endpoint picker where it has one. */
export type ErrorCode =
  | "BadRequest"
  | "PayloadTooLarge"
  | "NotFound"
  | "ResourceExhausted"
  | "ServiceUnavailable"
  | "Internal"
  | "FailedPrecondition"
  | "Unauthenticated"
  | "PermissionDenied"
  | "DeadlineExceeded"
  | "RequestTimeout"
  | "BadGateway";

/** How one of our codes reads at each boundary. */
export interface CodeInfo {
  /** HTTP status: the HTTP router, the edge, and the ext_proc ImmediateResponse. */
  http: number;
  /** Connect / gRPC code, for the RPC services (src/services/connect-error.ts). */
  grpc: Code;
  /**
   * The `<Code>` of ext_proc's `inference error: <Code> - <message>` body. Our code names follow the
   * upstream endpoint picker's where it has one, so this is the code's own name.
   */
  extproc: ErrorCode;
  /** OpenAI error `type`. */
  openai: string;
}

/** The one table mapping our codes to HTTP statuses, Connect/gRPC codes, ext_proc names and OpenAI types. */
export const errorCodes: Readonly<Record<ErrorCode, CodeInfo>> = {
  BadRequest: {
    http: 400,
    grpc: Code.InvalidArgument,
    extproc: "BadRequest",
    openai: "invalid_request_error",
  },
  // A request body above limits.maxBodyBytes, at every front door.
  PayloadTooLarge: {
    http: 413,
    grpc: Code.ResourceExhausted,
    extproc: "PayloadTooLarge",
    openai: "invalid_request_error",
  },
  NotFound: { http: 404, grpc: Code.NotFound, extproc: "NotFound", openai: "not_found_error" },
  ResourceExhausted: {
    http: 429,
    grpc: Code.ResourceExhausted,
    extproc: "ResourceExhausted",
    openai: "rate_limit_error",
  },
  ServiceUnavailable: {
    http: 503,
    grpc: Code.Unavailable,
    extproc: "ServiceUnavailable",
    openai: "service_unavailable",
  },
  Internal: { http: 500, grpc: Code.Internal, extproc: "Internal", openai: "internal_error" },
  FailedPrecondition: {
    http: 409,
    grpc: Code.FailedPrecondition,
    extproc: "FailedPrecondition",
    openai: "invalid_request_error",
  },
  Unauthenticated: {
    http: 401,
    grpc: Code.Unauthenticated,
    extproc: "Unauthenticated",
    openai: "authentication_error",
  },
  PermissionDenied: {
    http: 403,
    grpc: Code.PermissionDenied,
    extproc: "PermissionDenied",
    openai: "permission_error",
  },
  DeadlineExceeded: {
    http: 504,
    grpc: Code.DeadlineExceeded,
    extproc: "DeadlineExceeded",
    openai: "timeout_error",
  },
  // The client did not finish sending its request body in time (limits.bodyReadTimeoutMs).
  RequestTimeout: {
    http: 408,
    grpc: Code.DeadlineExceeded,
    extproc: "RequestTimeout",
    openai: "timeout_error",
  },
  // An upstream that failed is, to an RPC caller, a service that is not available.
  BadGateway: { http: 502, grpc: Code.Unavailable, extproc: "BadGateway", openai: "upstream_error" },
};

/** The ext_proc ImmediateResponse body for an error: `inference error: <Code> - <message>`, as upstream. */
export function extprocErrorBody(code: ErrorCode, message: string): string {
  return `inference error: ${errorCodes[code].extproc} - ${message}`;
}

/**
 * An error the core raises on purpose. `field` names the offending input field (dotted path) when
 * there is one.
 *
 * @example
 * throw new RouterError("BadRequest", "endpoints[2].metrics.kvCacheUsage: 1.5 is above the limit 1", "endpoints[2].metrics.kvCacheUsage");
 */
export class RouterError extends Error {
  override readonly name = "RouterError";
  readonly code: ErrorCode;
  readonly field: string | undefined;
  /**
   * Response headers every front door adds to this error's answer (flow control's
   * `x-llm-d-request-dropped-reason`); undefined = none.
   */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode, message: string, field?: string, headers?: Readonly<Record<string, string>>) {
    super(message);
    this.code = code;
    this.field = field;
    this.headers = headers;
  }

  get httpStatus(): number {
    return errorCodes[this.code].http;
  }

  /** Wraps anything thrown into a RouterError (unknown errors become Internal). */
  static from(err: unknown): RouterError {
    if (err instanceof RouterError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new RouterError("Internal", message);
  }
}
