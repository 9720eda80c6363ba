/**
 * Errors in OpenAI's JSON shape, `{"error":{"message","type","code"}}`, with the status from the one
 * code table (src/core/errors.ts). OpenAI clients read `error.message` whatever the status.
 */
import { errorCodes, RouterError } from "../core/errors.js";
import { REQUEST_ID_HEADER } from "../request/headers.js";

/** A request body above the limit (413); HTTP-only, so it is not one of the core's codes. */
export class BodyTooLargeError extends Error {
  override readonly name = "BodyTooLargeError";
  readonly limit: number;

  constructor(limit: number) {
    super(`the request body is larger than ${limit} bytes (limits.maxBodyBytes)`);
    this.limit = limit;
  }
}

/** Status 499 (nginx's "client closed request"): logged, never read by anyone. */
export const CLIENT_CLOSED_STATUS = 499;

function json(status: number, type: string, code: string, message: string, requestId?: string): Response {
  const headers = new Headers({ "content-type": "application/json" });
  if (requestId !== undefined) headers.set(REQUEST_ID_HEADER, requestId);
  const body = JSON.stringify({ error: { message, type, code } });
  return new Response(body, { status, headers });
}

/**
 * The client's Response for anything thrown while serving a request.
 *
 * @example
 * openAiErrorResponse(new RouterError("NotFound", 'unknown model "x"'), id) // 404 not_found_error
 */
export function openAiErrorResponse(err: unknown, requestId?: string): Response {
  if (err instanceof BodyTooLargeError)
    return json(413, "invalid_request_error", "request_too_large", err.message, requestId);
  const e = RouterError.from(err);
  if (e.field === "client") return new Response(null, { status: CLIENT_CLOSED_STATUS });
  const info = errorCodes[e.code];
  return json(info.http, info.openai, e.code, e.message, requestId);
}

/** 404 for a path the router does not serve. */
export function notFoundResponse(path: string): Response {
  return json(404, "invalid_request_error", "NotFound", `no route for ${path}`);
}
