import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { createSeededRandom } from "../../src/core/random.js";
import { noFaults, planFaults } from "../../src/sim/fault-plan.js";
import { parseSimRequest } from "../../src/sim/openai-request.js";
import {
  completionBody,
  errorBody,
  fillerToken,
  roleChunk,
  sseDone,
  tokenChunk,
  usageChunk,
} from "../../src/sim/openai-response.js";

const chatHead = { kind: "chat" as const, id: "chatcmpl-1", created: 1700000000, model: "m" };
const textHead = { kind: "completion" as const, id: "cmpl-1", created: 1700000000, model: "m" };
const usage = { promptTokens: 10, completionTokens: 3, cachedTokens: 2 };

function payload(chunk: string): Record<string, unknown> {
  expect(chunk.startsWith("data: ")).toBe(true);
  expect(chunk.endsWith("\n\n")).toBe(true);
  return JSON.parse(chunk.slice(6)) as Record<string, unknown>;
}

describe("openai-request: parseSimRequest", () => {
  it("reads a chat body with stream options and max_completion_tokens", () => {
    const r = parseSimRequest("chat", {
      model: "m",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "hi" }] },
      ],
      max_completion_tokens: 7,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
    });
    expect(r).toMatchObject({ kind: "chat", model: "m", maxTokens: 7, stream: true, includeUsage: true });
    expect(r.promptText).toBe("system\nbe brief\nuser\nhi\n");
  });

  it("reads a completion body with a text prompt or token ids", () => {
    expect(parseSimRequest("completion", { model: "m", prompt: "abc", max_tokens: 4 })).toMatchObject({
      promptText: "abc",
      maxTokens: 4,
      stream: false,
      includeUsage: false,
    });
    expect(parseSimRequest("completion", { model: "m", prompt: [1, 2, 3] }).promptTokenIds).toEqual([
      1, 2, 3,
    ]);
  });

  it("refuses a body without a model, naming the field", () => {
    try {
      parseSimRequest("chat", { messages: [{ role: "user", content: "x" }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RouterError);
      expect((e as RouterError).field).toBe("model");
      expect((e as RouterError).code).toBe("BadRequest");
    }
  });
});

describe("openai-response: chunks in vLLM's SSE format", () => {
  it("opens a chat stream with a role delta and none for completions", () => {
    const p = payload(roleChunk(chatHead)!);
    expect(p).toMatchObject({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      model: "m",
      created: 1700000000,
    });
    expect(p.choices).toEqual([
      { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
    ]);
    expect(roleChunk(textHead)).toBeUndefined();
  });

  it("puts a token in delta.content for chat and in text for completions; the last carries finish_reason", () => {
    expect(payload(tokenChunk(chatHead, " a", null)).choices).toEqual([
      { index: 0, delta: { content: " a" }, logprobs: null, finish_reason: null },
    ]);
    const last = payload(tokenChunk(textHead, " b", "length"));
    expect(last.object).toBe("text_completion");
    expect(last.choices).toEqual([{ index: 0, text: " b", logprobs: null, finish_reason: "length" }]);
  });

  it("sends usage in a chunk with empty choices, then [DONE]", () => {
    const p = payload(usageChunk(chatHead, usage));
    expect(p.choices).toEqual([]);
    expect(p.usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 3,
      total_tokens: 13,
      prompt_tokens_details: { cached_tokens: 2 },
    });
    expect(sseDone).toBe("data: [DONE]\n\n");
  });

  it("builds non-stream bodies with usage", () => {
    expect(completionBody(chatHead, " a b", usage)).toMatchObject({
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: " a b" }, finish_reason: "length" }],
      usage: { total_tokens: 13 },
    });
    expect(completionBody(textHead, " a", usage)).toMatchObject({
      object: "text_completion",
      choices: [{ text: " a" }],
    });
  });

  it("writes filler tokens as one short word each and errors in OpenAI's shape", () => {
    const words = Array.from({ length: 20 }, (_, i) => fillerToken(i));
    expect(words.every((w) => /^ [a-z]+$/.test(w))).toBe(true);
    expect(fillerToken(3)).toBe(fillerToken(13));
    expect(errorBody(404, "NotFoundError", "nope")).toEqual({
      error: { message: "nope", type: "NotFoundError", param: null, code: 404 },
    });
  });
});

describe("fault-plan", () => {
  it("never faults with no knobs and always with rates of 1, the same for a seed", () => {
    const r = createSeededRandom(3);
    for (let i = 0; i < 50; i++)
      expect(planFaults(noFaults, r, 10)).toEqual({ error: false, delayMs: 0, crashAfterTokens: undefined });
    const all = { errorRate: 1, latencySpikeRate: 1, latencySpikeMs: 250, crashMidStreamRate: 1 };
    const a = planFaults(all, createSeededRandom(9), 10);
    expect(a.error).toBe(true);
    expect(a.delayMs).toBe(250);
    expect(a.crashAfterTokens).toBeGreaterThanOrEqual(1);
    expect(a.crashAfterTokens).toBeLessThan(10);
    expect(planFaults(all, createSeededRandom(9), 10)).toEqual(a);
  });
});
