import { describe, expect, it } from "vitest";
import { rewriteModelInBody } from "../../src/request/body-rewrite.js";
import { parseBody } from "../../src/request/parse-body.js";
import type { ModelResolution } from "../../src/request/resolve-model.js";
import { buildSchedulingRequest, DEFAULT_MAX_TOKENS } from "../../src/request/scheduling-request.js";
import { hashPrompt } from "../../src/scheduling/prefix/prefix-hash.js";

const resolution = (targetModel: string, clientModel = "m"): ModelResolution => ({
  clientModel,
  targetModel,
  priority: 1,
  rewritten: targetModel !== clientModel,
});

describe("body rewrite", () => {
  it("returns the original bytes when the model is unchanged", () => {
    const bytes = new TextEncoder().encode('{"model":"m",  "prompt":"x"}');
    const parsed = parseBody(bytes, "completions");
    const out = rewriteModelInBody(bytes, parsed.json, "m");
    expect(out).toEqual({ body: bytes, changed: false });
    expect(out.body).toBe(bytes);
  });

  it("re-serialises with the new model, keeping every other field and the key order", () => {
    const text = '{"prompt":"x","model":"m","extra":{"a":[1,2]}}';
    const parsed = parseBody(text, "completions");
    const out = rewriteModelInBody(text, parsed.json, "m-lora");
    expect(out.changed).toBe(true);
    expect(new TextDecoder().decode(out.body)).toBe('{"prompt":"x","model":"m-lora","extra":{"a":[1,2]}}');
    expect(parsed.json.model).toBe("m");
  });
});

describe("buildSchedulingRequest", () => {
  it("estimates tokens, takes max_tokens from the body and hashes the prompt with the target model", () => {
    const parsed = parseBody(
      JSON.stringify({ model: "m", prompt: "a".repeat(130), max_tokens: 50 }),
      "completions",
    );
    const req = buildSchedulingRequest({
      requestId: "r1",
      parsed,
      resolution: resolution("m-lora"),
      subset: ["10.0.0.1"],
    });
    expect(req).toEqual({
      requestId: "r1",
      targetModel: "m-lora",
      priority: 1,
      promptTokens: 33,
      maxTokens: 50,
      prefixHashes: hashPrompt("a".repeat(130), "m-lora"),
      subset: ["10.0.0.1"],
    });
    expect(req.prefixHashes).toHaveLength(2);
  });

  it("falls back to the default output tokens, and to 0 for embeddings", () => {
    const chat = parseBody(
      JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      "chat",
    );
    expect(
      buildSchedulingRequest({ requestId: "r", parsed: chat, resolution: resolution("m") }).maxTokens,
    ).toBe(DEFAULT_MAX_TOKENS);
    expect(
      buildSchedulingRequest({
        requestId: "r",
        parsed: chat,
        resolution: resolution("m"),
        defaultMaxTokens: 9,
      }).maxTokens,
    ).toBe(9);
    const emb = parseBody(JSON.stringify({ model: "e", input: "x" }), "embeddings");
    const req = buildSchedulingRequest({ requestId: "r", parsed: emb, resolution: resolution("e", "e") });
    expect(req.maxTokens).toBe(0);
    expect("subset" in req).toBe(false);
  });
});
