/**
 * OpenAI request bodies → what routing needs (model, stream, max tokens, prompt parts), parsed once;
 * the parsed JSON is handed on so nobody parses the body twice.
 */
import type { z } from "zod";
import { RouterError } from "../core/errors.js";
import { parseOrBadRequest, renderValue } from "../core/field-error.js";
import type { ApiKind } from "../openai/api-kind.js";
import {
  chatBodySchema,
  completionsBodySchema,
  embeddingsBodySchema,
  responsesBodySchema,
} from "./openai-schemas.js";
import {
  type MessageLike,
  type PromptParts,
  promptPartsFromInput,
  promptPartsFromMessages,
} from "./prompt-parts.js";

/** A parsed request body. */
export interface ParsedBody {
  api: ApiKind;
  /** The model the client asked for (non-empty). */
  model: string;
  /** Whether the client asked for a streamed (SSE) answer. */
  stream: boolean;
  /** max_tokens / max_completion_tokens / max_output_tokens when set; undefined when not. */
  maxTokens?: number;
  /** Prompt text in parts, hashed as if concatenated (see prompt-parts.ts). */
  promptParts: string[];
  /** Characters of prompt text (token ids count 4 each): tokens ≈ promptChars / 4. */
  promptChars: number;
  /** The whole parsed body, unknown fields included. */
  json: Record<string, unknown>;
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Deepest nesting of arrays and objects a request body may have. A model rewrite re-serialises the
 * body, and JSON.stringify recurses: 100,000 levels overflowed the stack (a 500). OpenAI bodies nest a
 * handful of levels; tool parameter schemas a few dozen.
 */
export const MAX_BODY_DEPTH = 128;

/** The first depth past `max` found in `json` (iteratively: the check must not overflow itself). */
function depthPast(json: unknown, max: number): number | undefined {
  const stack: [unknown, number][] = [[json, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > max) return depth;
    const children = Array.isArray(value) ? value : Object.values(value as object);
    for (const child of children) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

function check<S extends z.ZodType>(schema: S, json: unknown): z.output<S> {
  return parseOrBadRequest(schema, json, "request body");
}

function limit(...values: (number | null | undefined)[]): number | undefined {
  for (const v of values) if (typeof v === "number") return v;
  return undefined;
}

/**
 * Parses a body of the given API kind. Throws RouterError("BadRequest") naming the field on invalid
 * JSON, nesting deeper than {@link MAX_BODY_DEPTH}, a missing or empty `model`, or a wrong type of a
 * field routing reads.
 *
 * @example
 * const parsed = parseBody('{"model":"llama","messages":[{"role":"user","content":"Hi"}]}', "chat");
 * parsed.model; // "llama"
 */
export function parseBody(body: string | Uint8Array, api: ApiKind): ParsedBody {
  let text: string;
  try {
    text = typeof body === "string" ? body : decoder.decode(body);
  } catch {
    throw new RouterError("BadRequest", "request body is not valid UTF-8");
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RouterError("BadRequest", `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new RouterError("BadRequest", `request body: ${renderValue(json)} must be a JSON object`);
  }
  const depth = depthPast(json, MAX_BODY_DEPTH);
  if (depth !== undefined) {
    throw new RouterError(
      "BadRequest",
      `request body: arrays and objects nested ${depth} levels deep, above the limit ${MAX_BODY_DEPTH}`,
    );
  }
  let prompt: PromptParts;
  let model: string;
  let stream = false;
  let maxTokens: number | undefined;
  switch (api) {
    case "completions": {
      const b = check(completionsBodySchema, json);
      ({ model } = b);
      stream = b.stream === true;
      maxTokens = limit(b.max_tokens);
      prompt = promptPartsFromInput(b.prompt);
      break;
    }
    case "chat": {
      const b = check(chatBodySchema, json);
      ({ model } = b);
      stream = b.stream === true;
      maxTokens = limit(b.max_completion_tokens, b.max_tokens);
      prompt = promptPartsFromMessages(b.messages as MessageLike[]);
      break;
    }
    case "embeddings": {
      const b = check(embeddingsBodySchema, json);
      ({ model } = b);
      prompt = promptPartsFromInput(b.input);
      break;
    }
    case "responses": {
      const b = check(responsesBodySchema, json);
      ({ model } = b);
      stream = b.stream === true;
      maxTokens = limit(b.max_output_tokens);
      prompt = { parts: [], chars: 0 };
      if (typeof b.instructions === "string" && b.instructions !== "") {
        promptPartsFromMessages([{ role: "system", content: b.instructions }], prompt);
      }
      if (typeof b.input === "string") promptPartsFromMessages([{ role: "user", content: b.input }], prompt);
      else if (b.input !== undefined) promptPartsFromMessages(b.input as MessageLike[], prompt);
      break;
    }
  }
  const parsed: ParsedBody = {
    api,
    model,
    stream,
    promptParts: prompt.parts,
    promptChars: prompt.chars,
    json: json as Record<string, unknown>,
  };
  if (maxTokens !== undefined) parsed.maxTokens = maxTokens;
  return parsed;
}
