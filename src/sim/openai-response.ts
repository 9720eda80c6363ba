/**
 * OpenAI-shaped output of the simulator, as vLLM writes it: SSE chunks (`data: {json}\n\n`, then
 * `data: [DONE]\n\n`), non-stream bodies, usage, and error bodies. Output text is filler: token i is
 * one short word, so a response of n tokens is predictable.
 */
import type { SimRequestKind } from "./openai-request.js";

const words = ["lorem", "ipsum", "dolor", "sit", "amet", "sed", "do", "tempor", "magna", "aliqua"];

/** The text of output token `i` (0-based): a space and a filler word. */
export function fillerToken(i: number): string {
  return ` ${words[i % words.length]}`;
}

/** Token counts of one request, as in OpenAI's `usage`. */
export interface SimUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

/** What every chunk and body of one response shares. */
export interface ResponseHead {
  kind: SimRequestKind;
  id: string;
  /** Unix seconds. */
  created: number;
  model: string;
}

function usageJson(u: SimUsage) {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

function headJson(h: ResponseHead, streaming: boolean) {
  const object =
    h.kind === "chat" ? (streaming ? "chat.completion.chunk" : "chat.completion") : "text_completion";
  return { id: h.id, object, created: h.created, model: h.model };
}

/** One SSE event carrying a JSON payload. */
export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** The stream's terminator. */
export const sseDone = "data: [DONE]\n\n";

/** Chat streams open with a role-only delta, as vLLM does; completions have no such chunk. */
export function roleChunk(h: ResponseHead): string | undefined {
  if (h.kind !== "chat") return undefined;
  return sseData({
    ...headJson(h, true),
    choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
  });
}

/** The chunk of one output token; the last one carries `finish_reason`. */
export function tokenChunk(h: ResponseHead, text: string, finishReason: "length" | null): string {
  const choice =
    h.kind === "chat"
      ? { index: 0, delta: { content: text }, logprobs: null, finish_reason: finishReason }
      : { index: 0, text, logprobs: null, finish_reason: finishReason };
  return sseData({ ...headJson(h, true), choices: [choice] });
}

/** The usage-only chunk sent last when `stream_options.include_usage` is true (empty choices). */
export function usageChunk(h: ResponseHead, u: SimUsage): string {
  return sseData({ ...headJson(h, true), choices: [], usage: usageJson(u) });
}

/** A complete non-stream response body. */
export function completionBody(h: ResponseHead, text: string, u: SimUsage): unknown {
  const choice =
    h.kind === "chat"
      ? { index: 0, message: { role: "assistant", content: text }, logprobs: null, finish_reason: "length" }
      : { index: 0, text, logprobs: null, finish_reason: "length" };
  return { ...headJson(h, false), choices: [choice], usage: usageJson(u) };
}

/** OpenAI's error body, `{error: {message, type, param, code}}` (type e.g. "NotFoundError"). */
export function errorBody(status: number, type: string, message: string): unknown {
  return { error: { message, type, param: null, code: status } };
}
