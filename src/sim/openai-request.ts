/**
 * The simulator's reading of an OpenAI completions / chat-completions body: only what a simulated
 * engine needs (model, prompt text, output length, streaming options). Everything else is ignored,
 * as a permissive server would.
 */
import { z } from "zod";
import { parseOrBadRequest } from "../core/field-error.js";

/** Which OpenAI endpoint a request came in on. */
export type SimRequestKind = "completion" | "chat";

/** A parsed request, ready to become an engine request. */
export interface SimRequest {
  kind: SimRequestKind;
  /** The model the client asked for (echoed in responses). */
  model: string;
  /** The prompt as text (chat: "role\ncontent\n" per message), for the token estimate and prefix keys. */
  promptText: string;
  /** Prompt tokens given as ids (completions with a token-id prompt); overrides the text estimate. */
  promptTokenIds?: readonly number[];
  /** max_tokens / max_completion_tokens; undefined when absent. */
  maxTokens: number | undefined;
  stream: boolean;
  /** stream_options.include_usage */
  includeUsage: boolean;
  /** vLLM's `priority` (lower = served first); undefined when absent. */
  priority?: number;
}

const contentPart = z.looseObject({ type: z.string().optional(), text: z.string().optional() });
const message = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
});
const common = {
  model: z.string().min(1),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  priority: z.number().int().nullish(),
};
const completionBody = z.looseObject({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).length(1), z.array(z.number().int()).min(1)]),
});
const chatBody = z.looseObject({ ...common, messages: z.array(message).min(1) });

function contentText(content: z.infer<typeof message>["content"]): string {
  if (typeof content === "string") return content;
  if (!content) return "";
  return content.map((p) => p.text ?? "").join("");
}

/**
 * Parses a JSON body; throws RouterError BadRequest naming the first bad field.
 *
 * @example
 * parseSimRequest("chat", { model: "m", messages: [{ role: "user", content: "hi" }], stream: true });
 */
export function parseSimRequest(kind: SimRequestKind, body: unknown): SimRequest {
  let promptText = "";
  let promptTokenIds: number[] | undefined;
  let b: z.infer<typeof chatBody> | z.infer<typeof completionBody>;
  if (kind === "chat") {
    const chat = parseOrBadRequest(chatBody, body, "body");
    promptText = chat.messages.map((m) => `${m.role}\n${contentText(m.content)}\n`).join("");
    b = chat;
  } else {
    const completion = parseOrBadRequest(completionBody, body, "body");
    b = completion;
    const p = completion.prompt;
    if (typeof p === "string") promptText = p;
    else if (typeof p[0] === "string") promptText = p[0];
    else promptTokenIds = p as number[];
  }
  return {
    kind,
    model: b.model,
    promptText,
    ...(promptTokenIds ? { promptTokenIds } : {}),
    maxTokens: b.max_completion_tokens ?? b.max_tokens ?? undefined,
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    ...(typeof b.priority === "number" && { priority: b.priority }),
  };
}
