/**
 * zod schemas of the OpenAI request bodies the router reads: only the fields routing needs are checked,
 * every other field passes through untouched (loose objects), so new OpenAI or engine-specific fields
 * never break routing. Messages name the rule; the parser adds the field path and the value.
 */
import { z } from "zod";

const model = z.string({ error: "must be a string" }).min(1, { error: "must not be empty" });
const stream = z.boolean({ error: "must be true or false" }).nullish();
const tokenLimit = z
  .int({ error: "must be an integer" })
  .min(0, { error: "must be >= 0" })
  .max(2_147_483_647, { error: "must be <= 2147483647" })
  .nullish();

const contentPart = z.looseObject({
  type: z.string({ error: "must be a string" }).optional(),
  text: z.string({ error: "must be a string" }).optional(),
});
const content = z
  .union([z.string(), z.array(contentPart)], { error: "must be a string or an array of content parts" })
  .nullish();

const chatMessage = z.looseObject({
  role: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
  content,
});

const promptInput = z.union([z.string(), z.array(z.string()), z.array(z.int()), z.array(z.array(z.int()))], {
  error: "must be a string, an array of strings, or token ids",
});

const responsesItem = z.looseObject({
  role: z.string({ error: "must be a string" }).optional(),
  type: z.string({ error: "must be a string" }).optional(),
  content,
});

/** POST /v1/completions */
export const completionsBodySchema = z.looseObject({
  model,
  prompt: promptInput,
  stream,
  max_tokens: tokenLimit,
});

/** POST /v1/chat/completions */
export const chatBodySchema = z.looseObject({
  model,
  messages: z
    .array(chatMessage, { error: "must be an array of messages" })
    .min(1, { error: "must not be empty" }),
  stream,
  max_tokens: tokenLimit,
  max_completion_tokens: tokenLimit,
});

/** POST /v1/embeddings */
export const embeddingsBodySchema = z.looseObject({
  model,
  input: promptInput,
});

/** POST /v1/responses; `input` may be absent (e.g. a continuation by `previous_response_id`). */
export const responsesBodySchema = z.looseObject({
  model,
  input: z
    .union([z.string(), z.array(responsesItem)], { error: "must be a string or an array of input items" })
    .optional(),
  instructions: z.string({ error: "must be a string" }).nullish(),
  stream,
  max_output_tokens: tokenLimit,
});
