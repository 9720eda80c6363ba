/**
 * Errors in OpenAI's documented shape, `{"error":{"message","type","param","code"}}`, for every front
 * door (HTTP router, edge, SSE error events). The status and `type` come from the one code table
 * (src/core/errors.ts); `param` is the offending field or null; `code` is OpenAI's where it has one
 * (model_not_found, request_too_large) and our code name otherwise. OpenAI clients read
 * `error.message` whatever the status.
 */
import { type ErrorCode, errorCodes, RouterError } from "../core/errors.js";
import { REQUEST_ID_HEADER } from "../request/headers.js";

/** The `error` object of an answer. */
export interface OpenAiError {
  message: string;
  type: string;
  /** The request field the error is about (dotted path), or null. */
  param: string | null;
  code: string;
}

/** An error answer as bytes-ready parts, for any HTTP stack. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A request body above the limit: 413, OpenAI code `request_too_large`. `size` is the declared or
 * counted size in bytes, `limit` the largest accepted, `setting` where the limit is configured.
 */
export function bodyTooLarge(size: number, limit: number, setting: string): RouterError {
  return new RouterError(
    "PayloadTooLarge",
    `request body: ${size} bytes is larger than the limit of ${limit} bytes (${setting})`,
  );
}

/** A path no front door serves: 404 naming it. */
export function pathNotFound(path: string): RouterError {
  return new RouterError("NotFound", `no route for ${path}`);
}

/** OpenAI's `code` for one of our errors. */
function openAiCode(code: ErrorCode, field: string | undefined): string {
  if (code === "NotFound" && field === "model") return "model_not_found";
  if (code === "PayloadTooLarge") return "request_too_large";
  return code;
}

/**
 * The `error` object for anything thrown while serving a request.
 *
 * @example
 * openAiErrorObject(new RouterError("NotFound", 'model "x" is not served', "model"));
 * // { message: 'model "x" is not served', type: "invalid_request_error", param: "model", code: "model_not_found" }
 */
export function openAiErrorObject(err: unknown): OpenAiError {
  const e = RouterError.from(err);
  const code = openAiCode(e.code, e.field);
  // Unknown models are a client mistake in OpenAI's taxonomy, whatever our table calls NotFound.
  const type = code === "model_not_found" ? "invalid_request_error" : errorCodes[e.code].openai;
  return { message: e.message, type, param: e.field ?? null, code };
}

/** The client's whole answer (status, headers with the request id when given, JSON body). */
export function openAiError(err: unknown, requestId?: string): ErrorAnswer {
  const e = RouterError.from(err);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (requestId !== undefined) headers[REQUEST_ID_HEADER] = requestId;
  if (e.headers !== undefined) Object.assign(headers, e.headers);
  const body = JSON.stringify({ error: openAiErrorObject(e) });
  return { status: errorCodes[e.code].http, headers, body };
}

/** {@link openAiError} as a Web Response, for fetch-style front doors (the edge, the Hono app). */
export function openAiErrorResponse(err: unknown, requestId?: string): Response {
  const a = openAiError(err, requestId);
  return new Response(a.body, { status: a.status, headers: a.headers });
}
