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

/** An error answer as bytes-ready parts, for any HTTP stack. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function answer(
  status: number,
  type: string,
  code: string,
  message: string,
  requestId?: string,
): ErrorAnswer {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
  return { status, headers, body: JSON.stringify({ error: { message, type, code } }) };
}

/**
 * The client's answer for anything thrown while serving a request.
 *
 * @example
 * openAiError(new RouterError("NotFound", 'unknown model "x"'), id) // 404 not_found_error
 */
export function openAiError(err: unknown, requestId?: string): ErrorAnswer {
  if (err instanceof BodyTooLargeError)
    return answer(413, "invalid_request_error", "request_too_large", err.message, requestId);
  const e = RouterError.from(err);
  const info = errorCodes[e.code];
  return answer(info.http, info.openai, e.code, e.message, requestId);
}

/** {@link openAiError} as a Web Response. */
export function openAiErrorResponse(err: unknown, requestId?: string): Response {
  const a = openAiError(err, requestId);
  return new Response(a.body, { status: a.status, headers: a.headers });
}

/** 404 for a path the router does not serve. */
export function notFoundResponse(path: string): Response {
  const a = answer(404, "invalid_request_error", "NotFound", `no route for ${path}`);
  return new Response(a.body, { status: a.status, headers: a.headers });
}
