/**
 * Prompts as text parts for prefix hashing and token estimates. The parts of one request, concatenated,
 * are a stable rendering of what the engine will put at the front of its KV cache: for chat, each
 * message in order as role, newline, content, separator, so a shared system prompt and a growing
 * conversation both yield a shared leading text. Parts are slices of the body's own strings: nothing
 * is concatenated here.
 */

/** Ends every message so that "ab" + "c" and "a" + "bc" render differently. */
export const MESSAGE_SEPARATOR = "\u0000\n";

/** A chat / Responses content part as OpenAI defines it (only the fields read here). */
export interface ContentPartLike {
  type?: string | undefined;
  text?: string | undefined;
  image_url?: { url?: string | undefined } | string | undefined;
}

/** A chat message or Responses input item (only the fields read here). */
export interface MessageLike {
  role?: string | undefined;
  type?: string | undefined;
  content?: string | readonly ContentPartLike[] | null | undefined;
  /** function_call_output items carry their text here. */
  output?: unknown;
}

/** Parts with their total length in characters. */
export interface PromptParts {
  parts: string[];
  chars: number;
}

function push(out: PromptParts, text: string): void {
  if (text.length === 0) return;
  out.parts.push(text);
  out.chars += text.length;
}

function pushContent(out: PromptParts, content: MessageLike["content"]): void {
  if (typeof content === "string") {
    push(out, content);
    return;
  }
  if (!Array.isArray(content)) return;
  for (const part of content as readonly ContentPartLike[]) {
    if (typeof part.text === "string") push(out, part.text);
    else if (typeof part.image_url === "string") push(out, part.image_url);
    // An image changes what the engine caches, so its URL is part of the prefix (data: URLs included:
    // hashing stops at maxPrefixBlocksToMatch anyway).
    else if (typeof part.image_url?.url === "string") push(out, part.image_url.url);
  }
}

/**
 * Renders chat messages (or Responses input items) in order: `role\n` + content + separator each.
 *
 * @example
 * promptPartsFromMessages([{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }]);
 * // parts: ["system\n", "Be brief.", "\0\n", "user\n", "Hi", "\0\n"]
 */
export function promptPartsFromMessages(messages: readonly MessageLike[], out?: PromptParts): PromptParts {
  const result = out ?? { parts: [], chars: 0 };
  for (const message of messages) {
    push(result, `${message.role ?? message.type ?? "user"}\n`);
    pushContent(result, message.content);
    if (typeof message.output === "string") push(result, message.output);
    push(result, MESSAGE_SEPARATOR);
  }
  return result;
}

/**
 * Renders a completions prompt or embeddings input: a string, strings (separated), or token ids
 * (rendered as decimal text; counted as 4 characters per token so chars/4 estimates tokens).
 */
export function promptPartsFromInput(
  input: string | readonly string[] | readonly number[] | readonly (readonly number[])[],
): PromptParts {
  const out: PromptParts = { parts: [], chars: 0 };
  if (typeof input === "string") {
    push(out, input);
    return out;
  }
  for (const item of input) {
    if (typeof item === "string") {
      push(out, item);
      push(out, MESSAGE_SEPARATOR);
    } else if (typeof item === "number") {
      out.parts.push(`${item} `);
      out.chars += 4;
    } else {
      out.parts.push(item.join(" "), MESSAGE_SEPARATOR);
      out.chars += item.length * 4;
    }
  }
  return out;
}
