/** Maps the core's RouterError onto ConnectError, using the one code table in core/errors.ts. */
import { ConnectError } from "@connectrpc/connect";
import { errorCodes, RouterError } from "../core/errors.js";

/** A ConnectError for anything thrown inside a handler; ConnectErrors pass through unchanged. */
export function connectErrorFrom(err: unknown): ConnectError {
  if (err instanceof ConnectError) return err;
  const e = RouterError.from(err);
  return new ConnectError(e.message, errorCodes[e.code].grpc);
}
