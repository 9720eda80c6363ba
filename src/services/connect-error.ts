/** Maps the core's RouterError onto ConnectError, using the one code table in core/errors.ts. */
import { Code, ConnectError } from "@connectrpc/connect";
import { type ErrorCode, RouterError } from "../core/errors.js";

const toConnect: Readonly<Record<ErrorCode, Code>> = {
  BadRequest: Code.InvalidArgument,
  PayloadTooLarge: Code.ResourceExhausted,
  NotFound: Code.NotFound,
  ResourceExhausted: Code.ResourceExhausted,
  ServiceUnavailable: Code.Unavailable,
  Internal: Code.Internal,
  FailedPrecondition: Code.FailedPrecondition,
  Unauthenticated: Code.Unauthenticated,
  PermissionDenied: Code.PermissionDenied,
  DeadlineExceeded: Code.DeadlineExceeded,
  BadGateway: Code.Unavailable,
};

/** A ConnectError for anything thrown inside a handler; ConnectErrors pass through unchanged. */
export function connectErrorFrom(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const e = RouterError.from(err);
  return new ConnectError(e.message, toConnect[e.code]);
}
