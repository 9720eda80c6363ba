/** The edge's one mapping from the core's errors to HTTP: OpenAI's error JSON with the code table's status. */
import { errorCodes, RouterError } from "../core/errors.js";

/**
 * An OpenAI-style error response for anything thrown on the request path.
 *
 * @example
 * errorResponse(new RouterError("NotFound", 'model "x" is not served by any region')); // 404
 */
export function errorResponse(err: unknown, requestId?: string): Response {
  const e = RouterError.from(err);
  const info = errorCodes[e.code];
  const body = {
    error: { message: e.message, type: info.openai, code: e.code, param: e.field ?? null },
  };
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (requestId !== undefined) headers["x-request-id"] = requestId;
  return new Response(JSON.stringify(body), { status: info.http, headers });
}
