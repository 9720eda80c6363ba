/**
 * Reading a model server's answer on its way back: token usage for metrics and accounting, and the
 * engine's `model` mapped back to the name the client asked for. Transport-agnostic: the ext_proc
 * session and the HTTP proxy both feed it bytes. This file holds the JSON (non-streamed) case and the
 * pieces shared with the SSE tap (sse-usage-tap.ts).
 */

/** Token usage of one answer. Zero where the server did not say. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the engine's prefix cache (`prompt_tokens_details.cached_tokens`). */
  cachedTokens: number;
}

/** Map `model` values equal to `from` (the target model) to `to` (the client's model). */
export interface ModelMapping {
  from: string;
  to: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Usage from a parsed answer or stream event: `usage` (chat/completions names, or Responses names
 * input_tokens / output_tokens / input_tokens_details), or `response.usage` (Responses stream events).
 * Undefined when there is none (or it is null, as in every streamed chunk but the last).
 */
export function usageFromJson(json: unknown): Usage | undefined {
  if (!isObject(json)) return undefined;
  let usage = json.usage;
  if (!isObject(usage) && isObject(json.response)) usage = json.response.usage;
  if (!isObject(usage)) return undefined;
  const details = usage.prompt_tokens_details ?? usage.input_tokens_details;
  return {
    promptTokens: num(usage.prompt_tokens ?? usage.input_tokens),
    completionTokens: num(usage.completion_tokens ?? usage.output_tokens),
    cachedTokens: isObject(details) ? num(details.cached_tokens) : 0,
  };
}

/** True when a mapping would change something. */
export function mapsModel(mapping: ModelMapping | undefined): mapping is ModelMapping {
  return mapping !== undefined && mapping.from !== mapping.to;
}

/**
 * Replaces `model` (top level, or `response.model` in Responses events) when it equals `mapping.from`.
 * Returns whether it changed anything; mutates `json`.
 */
export function mapModelInJson(json: unknown, mapping: ModelMapping): boolean {
  if (!isObject(json)) return false;
  let changed = false;
  if (json.model === mapping.from) {
    json.model = mapping.to;
    changed = true;
  }
  if (isObject(json.response) && json.response.model === mapping.from) {
    json.response.model = mapping.to;
    changed = true;
  }
  return changed;
}

/** Whether text has `"usage"` followed by an object (not `null`): a cheap filter before JSON.parse. */
export function hasUsageObject(text: string): boolean {
  let at = text.indexOf('"usage"');
  while (at >= 0) {
    let i = at + 7;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 58 /* : */) i++;
    if (text.charCodeAt(i) === 123 /* { */) return true;
    at = text.indexOf('"usage"', i);
  }
  return false;
}

/** Result of {@link tapJsonResponse}. */
export interface JsonTapResult {
  /** Bytes to send to the client: the original unless the model was mapped. */
  body: Uint8Array;
  changed: boolean;
  usage?: Usage;
}

/**
 * Taps a complete JSON answer: reads usage and maps the model back. Bodies that are not JSON pass
 * through untouched; the body is re-serialised only when the model really changes. Without a model
 * to map, only the top-level `usage` object is parsed when it is the answer's last member (as
 * OpenAI-compatible servers write it): a long completion is not parsed for the few numbers read.
 *
 * @example
 * const { body, usage } = tapJsonResponse(bytes, { from: "llama-lora-v2", to: "llama-lora" });
 */
export function tapJsonResponse(body: Uint8Array, mapping?: ModelMapping): JsonTapResult {
  const maps = mapsModel(mapping);
  if (!maps) {
    const usage = trailingUsage(body);
    if (usage === NO_USAGE) return { body, changed: false };
    if (usage !== UNSURE) return { body, changed: false, usage };
  }
  const text = decoder.decode(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { body, changed: false };
  }
  const result: JsonTapResult = { body, changed: false };
  const usage = usageFromJson(json);
  if (usage !== undefined) result.usage = usage;
  if (maps && mapModelInJson(json, mapping)) {
    result.body = encoder.encode(JSON.stringify(json));
    result.changed = true;
  }
  return result;
}

/** {@link trailingUsage}: the answer has no `"usage"` anywhere. */
const NO_USAGE = 0;
/** {@link trailingUsage}: the usage cannot be read without parsing the whole answer. */
const UNSURE = 1;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** The bytes of `"usage"`. */
const USAGE_KEY = [34, 117, 115, 97, 103, 101, 34];

/** The offset of the last `"usage"` in `bytes`, or -1 (hops between quotes with the native search). */
function lastUsageKey(bytes: Uint8Array): number {
  let at = bytes.length - USAGE_KEY.length;
  while (at >= 0) {
    at = bytes.lastIndexOf(34, at);
    if (at < 0) return -1;
    let k = 1;
    while (k < USAGE_KEY.length && bytes[at + k] === USAGE_KEY[k]) k++;
    if (k === USAGE_KEY.length) return at;
    at--;
  }
  return -1;
}

/**
 * The usage of an answer whose last top-level member is `"usage": {...}`, from that object alone,
 * read on the bytes (JSON's structural characters are ASCII, and no byte of a multi-byte UTF-8
 * character is below 0x80, so only the usage object is ever decoded): the last `"usage"` (a JSON
 * string cannot hold an unescaped quote, so an unescaped `"usage"` is a key or a string of its own),
 * followed by `:` and an object that only `}` and whitespace follow. NO_USAGE when `"usage"` does
 * not occur; UNSURE for anything else (usage null, nested, not last, malformed): the caller parses
 * the whole answer. What comes before the usage is not checked: an answer malformed there but ending
 * in a well-formed usage still has it counted (its bytes reach the client untouched either way).
 */
function trailingUsage(bytes: Uint8Array): Usage | typeof NO_USAGE | typeof UNSURE {
  const at = lastUsageKey(bytes);
  if (at < 0) return NO_USAGE;
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && bytes[i] === 92; i--) backslashes++;
  if (backslashes % 2 === 1) return UNSURE;
  const n = bytes.length;
  let i = at + USAGE_KEY.length;
  while (i < n && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== 58 /* : */) return UNSURE;
  i++;
  while (i < n && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== 123 /* { */) return UNSURE;
  const start = i;
  // The object's end: braces and brackets counted outside strings.
  let depth = 0;
  let inString = false;
  let end = -1;
  for (; i < n; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) {
      end = i + 1;
      break;
    }
  }
  if (end < 0) return UNSURE;
  // Then only the top-level object's closing brace.
  i = end;
  while (i < n && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== 125) return UNSURE;
  i++;
  while (i < n && isSpace(bytes[i]!)) i++;
  if (i !== n) return UNSURE;
  let usage: unknown;
  try {
    usage = JSON.parse(decoder.decode(bytes.subarray(start, end)));
  } catch {
    return UNSURE;
  }
  return usageFromJson({ usage }) ?? UNSURE;
}
