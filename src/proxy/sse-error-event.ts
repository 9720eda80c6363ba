/**
 * The event that ends a stream the upstream broke mid-way: the client gets a well-formed SSE error
 * (OpenAI's error object under `event: error`) and then the end of the response, never a hang.
 */
import { type ErrorCode, RouterError } from "../core/errors.js";
import { openAiErrorObject } from "../openai/error-body.js";

const encoder = new TextEncoder();

/**
 * Bytes of the error event. `prefix` ends whatever partial line or event was already sent, so the
 * error is parsed as an event of its own.
 */
export function sseErrorEvent(code: ErrorCode, message: string, prefix = ""): Uint8Array {
  const error = openAiErrorObject(new RouterError(code, message));
  return encoder.encode(`${prefix}event: error\ndata: ${JSON.stringify({ error })}\n\n`);
}

/** What must precede an event given the last two bytes sent ("" after a blank line). */
export function eventBoundaryAfter(secondLast: number, last: number): string {
  if (last === -1 || (last === 10 && secondLast === 10)) return "";
  return last === 10 ? "\n" : "\n\n";
}
