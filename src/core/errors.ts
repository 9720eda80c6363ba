/**
 * One error type for the core. Every boundary maps it once: Connect codes for RPC, HTTP statuses and
 * OpenAI's error JSON for the HTTP router, "inference error: <Code> - <msg>" for ext_proc.
 */

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
  | "BadGateway";

interface CodeInfo {
  /** HTTP status for the HTTP router and ext_proc ImmediateResponse. */
  http: number;
  /** Connect / gRPC code name (lower snake case as in the Connect protocol). */
  connect: string;
  /** OpenAI error `type`. */
  openai: string;
}

/** The one table mapping our codes to HTTP statuses and Connect codes. */
export const errorCodes: Readonly<Record<ErrorCode, CodeInfo>> = {
  BadRequest: { http: 400, connect: "invalid_argument", openai: "invalid_request_error" },
  PayloadTooLarge: { http: 413, connect: "resource_exhausted", openai: "invalid_request_error" },
  NotFound: { http: 404, connect: "not_found", openai: "not_found_error" },
  ResourceExhausted: { http: 429, connect: "resource_exhausted", openai: "rate_limit_error" },
  ServiceUnavailable: { http: 503, connect: "unavailable", openai: "service_unavailable" },
  Internal: { http: 500, connect: "internal", openai: "internal_error" },
  FailedPrecondition: { http: 409, connect: "failed_precondition", openai: "invalid_request_error" },
  Unauthenticated: { http: 401, connect: "unauthenticated", openai: "authentication_error" },
  PermissionDenied: { http: 403, connect: "permission_denied", openai: "permission_error" },
  DeadlineExceeded: { http: 504, connect: "deadline_exceeded", openai: "timeout_error" },
  BadGateway: { http: 502, connect: "unavailable", openai: "upstream_error" },
};

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

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
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
