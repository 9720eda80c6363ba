import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { MAX_BODY_DEPTH, parseBody } from "../../src/request/parse-body.js";
import { MESSAGE_SEPARATOR } from "../../src/request/prompt-parts.js";

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function badRequest(fn: () => unknown): RouterError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RouterError);
    expect((err as RouterError).code).toBe("BadRequest");
    return err as RouterError;
  }
  throw new Error("expected a BadRequest");
}

/** `{"model":"m","messages":[...],"metadata":[[[...]]]}` with `levels` nested arrays in metadata. */
function nestedChat(levels: number): string {
  return `{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":${"[".repeat(levels)}${"]".repeat(levels)}}`;
}

describe("parseBody", () => {
  it("refuses a body nested deeper than MAX_BODY_DEPTH with a BadRequest naming the limit, not a stack overflow", () => {
    const err = badRequest(() => parseBody(nestedChat(100_000), "chat"));
    expect(err.message).toBe("request body: arrays and objects nested 129 levels deep, above the limit 128");
    expect(MAX_BODY_DEPTH).toBe(128);
    // The body object is level 1, so metadata may hold 127 levels of arrays.
    expect(parseBody(nestedChat(MAX_BODY_DEPTH - 1), "chat").model).toBe("m");
    badRequest(() => parseBody(nestedChat(MAX_BODY_DEPTH), "chat"));
  });

  it("refuses a top-level array nested 100,000 deep as not an object, with a BadRequest, not a stack overflow", () => {
    // Found by test/fuzz/request-bodies.test.ts: rendering the value overflowed the stack (a 500).
    const err = badRequest(() => parseBody(`${"[".repeat(100_000)}${"]".repeat(100_000)}`, "completions"));
    expect(err.message).toBe("request body: […] must be a JSON object");
  });

  it("parses a completions body from bytes", () => {
    const parsed = parseBody(
      bytes({ model: "m", prompt: "Hello there", max_tokens: 32, stream: true, seed: 7 }),
      "completions",
    );
    expect(parsed).toMatchObject({
      api: "completions",
      model: "m",
      stream: true,
      maxTokens: 32,
      promptChars: 11,
    });
    expect(parsed.promptParts.join("")).toBe("Hello there");
    expect(parsed.json.seed).toBe(7);
  });

  it("counts token-id prompts as four characters per token", () => {
    const parsed = parseBody(JSON.stringify({ model: "m", prompt: [1, 2, 3] }), "completions");
    expect(parsed.promptChars).toBe(12);
    expect(parsed.maxTokens).toBeUndefined();
    expect(parsed.stream).toBe(false);
  });

  it("parses a chat body into role and content per message, in order", () => {
    const parsed = parseBody(
      JSON.stringify({
        model: "m",
        messages: [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "Hi" },
              { type: "image_url", image_url: { url: "u" } },
            ],
          },
          { role: "assistant", content: null, tool_calls: [] },
        ],
        max_tokens: 10,
        max_completion_tokens: 20,
      }),
      "chat",
    );
    expect(parsed.maxTokens).toBe(20);
    const S = MESSAGE_SEPARATOR;
    expect(parsed.promptParts.join("")).toBe(`system\nBe brief.${S}user\nHiu${S}assistant\n${S}`);
    expect(parsed.promptChars).toBe(parsed.promptParts.join("").length);
  });

  it("parses an embeddings body with string or array input", () => {
    expect(parseBody(JSON.stringify({ model: "e", input: "text" }), "embeddings").promptChars).toBe(4);
    const many = parseBody(JSON.stringify({ model: "e", input: ["ab", "cd"] }), "embeddings");
    expect(many.promptParts.join("")).toBe(`ab${MESSAGE_SEPARATOR}cd${MESSAGE_SEPARATOR}`);
    expect(parseBody(JSON.stringify({ model: "e", input: [[1, 2]] }), "embeddings").promptChars).toBe(8);
  });

  it("parses a responses body with instructions and input items", () => {
    const parsed = parseBody(
      JSON.stringify({
        model: "r",
        instructions: "Be kind.",
        input: [{ role: "user", content: [{ type: "input_text", text: "Hello" }] }],
        max_output_tokens: 64,
        stream: true,
      }),
      "responses",
    );
    expect(parsed).toMatchObject({ model: "r", maxTokens: 64, stream: true });
    expect(parsed.promptParts.join("")).toBe(
      `system\nBe kind.${MESSAGE_SEPARATOR}user\nHello${MESSAGE_SEPARATOR}`,
    );
    expect(parseBody(JSON.stringify({ model: "r", input: "Hi" }), "responses").promptParts.join("")).toBe(
      `user\nHi${MESSAGE_SEPARATOR}`,
    );
  });

  it("refuses invalid JSON", () => {
    expect(badRequest(() => parseBody('{"model":', "chat")).message).toMatch(
      /^request body is not valid JSON: /,
    );
    expect(badRequest(() => parseBody("[1]", "chat")).message).toBe(
      "request body: [1] must be a JSON object",
    );
    expect(badRequest(() => parseBody(new Uint8Array([0xff, 0xfe]), "chat")).message).toMatch(/UTF-8/);
  });

  it("names the field of every invalid body", () => {
    const cases: [unknown, Parameters<typeof parseBody>[1], string][] = [
      [{ prompt: "x" }, "completions", "model: (missing) is required"],
      [{ model: "", prompt: "x" }, "completions", 'model: "" must not be empty'],
      [{ model: 3, prompt: "x" }, "completions", "model: 3 must be a string"],
      [{ model: "m" }, "completions", "prompt: (missing) is required"],
      [
        { model: "m", prompt: {} },
        "completions",
        "prompt: {} must be a string, an array of strings, or token ids",
      ],
      [{ model: "m", prompt: "x", stream: "yes" }, "completions", 'stream: "yes" must be true or false'],
      [{ model: "m", prompt: "x", max_tokens: -1 }, "completions", "max_tokens: -1 must be >= 0"],
      [{ model: "m", prompt: "x", max_tokens: 1.5 }, "completions", "max_tokens: 1.5 must be an integer"],
      [{ model: "m" }, "chat", "messages: (missing) is required"],
      [{ model: "m", messages: [] }, "chat", "messages: [] must not be empty"],
      [{ model: "m", messages: "hi" }, "chat", 'messages: "hi" must be an array of messages'],
      [{ model: "m", messages: [{ content: "x" }] }, "chat", "messages[0].role: (missing) is required"],
      [
        {
          model: "m",
          messages: [
            { role: "user", content: "a" },
            { role: "user", content: 42 },
          ],
        },
        "chat",
        "messages[1].content: 42 must be a string or an array of content parts",
      ],
      [
        { model: "m", messages: [{ role: "user", content: "a" }], max_completion_tokens: "9" },
        "chat",
        'max_completion_tokens: "9" must be an integer',
      ],
      [
        { model: "e", input: 5 },
        "embeddings",
        "input: 5 must be a string, an array of strings, or token ids",
      ],
      [{ model: "r", input: 5 }, "responses", "input: 5 must be a string or an array of input items"],
      [{ model: "r", input: "x", instructions: 1 }, "responses", "instructions: 1 must be a string"],
    ];
    for (const [body, api, message] of cases) {
      const err = badRequest(() => parseBody(JSON.stringify(body), api));
      expect(err.message).toBe(message);
      expect(err.field).toBe(message.slice(0, message.indexOf(":")));
    }
  });
});
