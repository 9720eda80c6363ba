/**
 * fast-check arbitraries for OpenAI request bodies as an outsider sends them: mostly plausible bodies
 * of the four APIs with random types in the fields routing reads (model, messages, prompt, input,
 * max_tokens, stream), huge and odd numbers, unicode, extra and prototype-named fields and deep
 * nesting; and some bytes that are no JSON object at all (truncated, invalid UTF-8, a BOM, scalars,
 * arrays nested past any limit). Shared by the request-body and ext_proc sequence fuzz suites.
 */
import fc from "fast-check";
import type { ApiKind } from "../../src/openai/api-kind.js";

/** One generated body: the API its path says, and the bytes sent. */
export interface GeneratedBody {
  kind: ApiKind;
  bytes: Uint8Array;
}

export const KINDS: readonly ApiKind[] = ["chat", "completions", "embeddings", "responses"];

/** The path each API is served on (src/openai/api-kind.ts). */
export const PATHS: Readonly<Record<ApiKind, string>> = {
  chat: "/v1/chat/completions",
  completions: "/v1/completions",
  embeddings: "/v1/embeddings",
  responses: "/v1/responses",
};

const enc = new TextEncoder();

/** Any JSON value, small. */
const anyJson = fc.jsonValue({ maxDepth: 3 });

/** Strings with unicode: astral characters, lone surrogates (JSON allows "\ud800"), controls. */
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom("\ud800", "a\udfffb", "\u0000", "\u2028", "😀".repeat(50)) },
);

/** Numbers a JSON parser yields for odd literals: huge, negative, fractional, past 2^53, -0. */
const oddNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1.5,
    2_147_483_647,
    2_147_483_648,
    2 ** 53,
    2 ** 53 + 2,
    1e21,
    1e308,
    -1e308,
    5e-324,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** `value` wrapped in `depth` arrays or objects (alternating at random). */
function nest(value: unknown, path: readonly boolean[]): unknown {
  let v = value;
  for (const inArray of path) v = inArray ? [v] : { k: v };
  return v;
}
const nesting = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.boolean(), { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.array(fc.boolean(), { minLength: 100, maxLength: 200 }) },
);

/** A model name: mostly ones the test routers serve or rewrite, often not a string at all. */
export const modelValue = (served: readonly string[]) =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...served) },
    { weight: 2, arbitrary: fc.constantFrom("gpt-9", "", " chat", "CHAT") },
    { weight: 1, arbitrary: text },
    { weight: 1, arbitrary: oddNumber },
    { weight: 1, arbitrary: anyJson },
  );

const role = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("user", "system", "assistant", "tool") },
  { weight: 1, arbitrary: fc.oneof(fc.constant(""), text, oddNumber, fc.constant(null)) },
);
const contentPart = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant("text"), text }) },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("image_url"), image_url: fc.record({ url: text }) }),
  },
  { weight: 1, arbitrary: anyJson },
);
const content = fc.oneof(
  { weight: 6, arbitrary: text },
  { weight: 2, arbitrary: fc.array(contentPart, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), oddNumber, anyJson) },
);
const message = fc.oneof(
  { weight: 8, arbitrary: fc.record({ role, content }, { requiredKeys: ["role"] }) },
  { weight: 1, arbitrary: anyJson },
);
const messages = fc.oneof(
  { weight: 8, arbitrary: fc.array(message, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant([]), text, anyJson) },
);
const prompt = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 2, arbitrary: fc.array(text, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: -5, max: 200_000 }), { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.array(fc.array(fc.nat(50_000), { maxLength: 4 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.oneof(oddNumber, anyJson, fc.array(oddNumber, { maxLength: 3 })) },
);
const responsesInput = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 2, arbitrary: fc.array(fc.record({ role, content }, { requiredKeys: [] }), { maxLength: 3 }) },
  { weight: 1, arbitrary: anyJson },
);
const tokens = fc.oneof(
  { weight: 4, arbitrary: fc.nat(4096) },
  { weight: 3, arbitrary: oddNumber },
  { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.constant("16"), anyJson) },
);
const stream = fc.oneof(
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, "true", 1, 0, []) },
);
/** Extra top-level fields: OpenAI's own, made-up ones, and names that live on Object.prototype. */
const extraKey = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom("temperature", "user", "tools", "n", "logprobs", "seed") },
  { weight: 2, arbitrary: fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "") },
  { weight: 2, arbitrary: text },
);
const extras = fc.array(fc.tuple(extraKey, fc.oneof(anyJson, oddNumber, text)), { maxLength: 3 });

/** A valid body of each API (model "chat" takes the rewrite path). */
const VALID: Readonly<Record<ApiKind, Record<string, unknown>>> = {
  chat: { model: "chat", messages: [{ role: "user", content: "hello" }] },
  completions: { model: "chat", prompt: "hello", max_tokens: 16 },
  embeddings: { model: "emb", input: ["a", "b"] },
  responses: { model: "chat", input: "hello", stream: true },
};

/** A body object: the fields of `kind` (each may be missing or of the wrong type), extras, nesting. */
function bodyObject(kind: ApiKind, served: readonly string[]) {
  const fields: Record<string, fc.Arbitrary<unknown>> = { model: modelValue(served), stream };
  if (kind === "chat") {
    fields.messages = messages;
    fields.max_tokens = tokens;
    fields.max_completion_tokens = tokens;
  } else if (kind === "completions") {
    fields.prompt = prompt;
    fields.max_tokens = tokens;
  } else if (kind === "embeddings") {
    fields.input = prompt;
  } else {
    fields.input = responsesInput;
    fields.instructions = fc.oneof(text, oddNumber);
    fields.max_output_tokens = tokens;
  }
  const required = kind === "responses" ? ["model"] : ["model", kind === "chat" ? "messages" : "prompt"];
  const valid = VALID[kind];
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: required.filter((k) => k in fields) }),
      extras,
      fc.option(fc.tuple(fc.constantFrom(...Object.keys(fields)), nesting), { freq: 4 }),
      fc.nat(9),
      // Half the bodies keep one generated field (or none) and take valid values for the rest, so
      // that the pipeline runs to a pick often enough; the other half are generated throughout.
      fc.option(fc.constantFrom(...Object.keys(fields)), { freq: 2 }),
    )
    .map(([record, extra, nested, drop, keep]) => {
      // Built with defineProperty so "__proto__" is an own key, as JSON.parse makes it.
      const body: Record<string, unknown> = {};
      const put = (k: string, v: unknown) =>
        Object.defineProperty(body, k, { value: v, enumerable: true, writable: true, configurable: true });
      const fieldsOf = keep === null ? record : { ...valid, [keep]: record[keep] ?? valid[keep] };
      for (const [k, v] of Object.entries(fieldsOf)) if (v !== undefined) put(k, v);
      for (const [k, v] of extra) put(k, v);
      if (nested) put(nested[0], nest(body[nested[0]], nested[1]));
      // Now and then a required field goes missing.
      if (drop === 0) delete body.model;
      return body;
    });
}

/** Bytes that are not one JSON object: broken, not UTF-8, other JSON values, absurdly deep. */
const notAnObject = fc.oneof(
  fc.constantFrom("", "{", '{"model":', "null", "[]", '"chat"', "1e400", "{}", '{"model":"chat",}'),
  fc.constantFrom(
    `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
    `{"model":"chat","messages":${"[".repeat(5_000)}${"]".repeat(5_000)}}`,
    `{"model":"chat","a":${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}}`,
  ),
  anyJson.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 40 }),
);
const rawBytes = fc.oneof(
  notAnObject.map((s) => enc.encode(s)),
  fc.uint8Array({ maxLength: 40 }),
  // Invalid UTF-8 inside an otherwise fine body, and a UTF-8 BOM before one.
  fc.constantFrom(
    Uint8Array.from([
      ...enc.encode('{"model":"chat","messages":[{"role":"user","content":"'),
      0xc3,
      0x28,
      0x22,
      0x7d,
      0x5d,
      0x7d,
    ]),
    Uint8Array.from([0xef, 0xbb, 0xbf, ...enc.encode('{"model":"chat","prompt":"x"}')]),
  ),
);

/**
 * A body for one of the four APIs. `served` are model names the router under test knows (they are
 * picked most of the time so that the pipeline runs past resolution).
 */
export function requestBody(served: readonly string[]): fc.Arbitrary<GeneratedBody> {
  return fc.constantFrom(...KINDS).chain((kind) =>
    fc
      .oneof(
        { weight: 8, arbitrary: bodyObject(kind, served).map((b) => enc.encode(JSON.stringify(b))) },
        // A body of another API's shape, as a client on the wrong path sends it.
        {
          weight: 1,
          arbitrary: fc
            .constantFrom(...KINDS)
            .chain((k) => bodyObject(k, served))
            .map((b) => enc.encode(JSON.stringify(b))),
        },
        { weight: 2, arbitrary: rawBytes },
      )
      .map((bytes) => ({ kind, bytes })),
  );
}
