import { describe, expect, it } from "vitest";
import { SseUsageTap } from "../../src/openai/sse-usage-tap.js";
import { tapJsonResponse, usageFromJson } from "../../src/openai/usage-tap.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const MAPPING = { from: "llama-lora-v2", to: "llama-lora" };

const SSE = [
  `data: {"id":"1","model":"llama-lora-v2","choices":[{"delta":{"content":"héllo 世界 🙂"}}],"usage":null}\n\n`,
  `data: {"id":"1","model":"llama-lora-v2","choices":[{"delta":{"content":" wörld"}}],"usage":null}\r\n\r\n`,
  `: keep-alive comment\n\n`,
  `data: {"id":"1","model":"llama-lora-v2","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":8}}}\n\n`,
  "data: [DONE]\n\n",
].join("");

/** Feeds `bytes` cut at the given offsets; returns what the tap forwarded and the tap. */
function feed(
  bytes: Uint8Array,
  cuts: number[],
  mapping?: typeof MAPPING,
): { out: Uint8Array; tap: SseUsageTap } {
  const tap = new SseUsageTap(mapping);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    pieces.push(tap.push(bytes.slice(start, cut)));
    start = cut;
  }
  pieces.push(tap.end());
  const total = pieces.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return { out, tap };
}

describe("usage tap", () => {
  it("reads usage and cached tokens from a JSON answer and maps the model back", () => {
    const body = enc.encode(
      JSON.stringify({
        model: "llama-lora-v2",
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } },
      }),
    );
    const result = tapJsonResponse(body, MAPPING);
    expect(result.usage).toEqual({ promptTokens: 3, completionTokens: 4, cachedTokens: 2 });
    expect(result.changed).toBe(true);
    expect(JSON.parse(dec.decode(result.body)).model).toBe("llama-lora");
  });

  it("leaves a JSON answer's bytes alone when the model needs no mapping", () => {
    const body = enc.encode('{"model":"llama-lora", "usage":{"prompt_tokens":1,"completion_tokens":2}}');
    const result = tapJsonResponse(body, MAPPING);
    expect(result.body).toBe(body);
    expect(result.changed).toBe(false);
    expect(result.usage).toEqual({ promptTokens: 1, completionTokens: 2, cachedTokens: 0 });
    expect(tapJsonResponse(enc.encode("not json")).usage).toBeUndefined();
  });

  it("reads the same usage from the trailing usage object alone as from the whole answer", () => {
    // Without a model to map only the last top-level member is parsed when it is the usage; every
    // other shape is parsed whole. Each body must give what a whole parse gives.
    const bodies = [
      '{"id":"a","choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":5,"completion_tokens":6}}',
      '{"id":"a", "usage" : { "prompt_tokens" : 7, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 4} } }\n',
      '{"usage":{"prompt_tokens":1,"completion_tokens":2},"id":"usage last? no"}',
      '{"choices":[{"message":{"content":"say \\"usage\\": {\\"prompt_tokens\\": 99}"}}],"usage":{"prompt_tokens":2,"completion_tokens":3}}',
      '{"choices":[{"message":{"content":"a brace } and a quote \\" inside"}}],"usage":{"prompt_tokens":2,"completion_tokens":3,"x":"}"}}',
      '{"a":{"usage":{"prompt_tokens":9,"completion_tokens":9}}}',
      '{"a":[{"usage":{"prompt_tokens":9,"completion_tokens":9}}]}',
      '{"usage":null}',
      '{"usage":"none"}',
      '{"response":{"usage":{"input_tokens":2,"output_tokens":3}}}',
      '{"id":"no usage at all"}',
      '{"id":"a","usage":{"prompt_tokens":5,"completion_tokens":6}',
      '{"id":"a","usage":{"prompt_tokens":5,"completion_tokens":6}} trailing',
      '{"text":"\\\\","usage":{"prompt_tokens":8,"completion_tokens":1}}',
      '{"text":"héllo 世界 🙂 \\"usage\\"","usage":{"prompt_tokens":4,"completion_tokens":2,"note":"ü}"}}',
      '{"usage"',
      '"usage"',
      "not json",
    ];
    for (const text of bodies) {
      let whole: unknown;
      try {
        whole = JSON.parse(text);
      } catch {
        whole = undefined;
      }
      const result = tapJsonResponse(enc.encode(text));
      expect(result.usage, text).toEqual(usageFromJson(whole));
      expect(dec.decode(result.body)).toBe(text);
    }
  });

  it("reads Responses API usage names", () => {
    expect(
      usageFromJson({
        usage: { input_tokens: 5, output_tokens: 6, input_tokens_details: { cached_tokens: 1 } },
      }),
    ).toEqual({
      promptTokens: 5,
      completionTokens: 6,
      cachedTokens: 1,
    });
    expect(
      usageFromJson({
        type: "response.completed",
        response: { usage: { input_tokens: 2, output_tokens: 3 } },
      }),
    ).toEqual({
      promptTokens: 2,
      completionTokens: 3,
      cachedTokens: 0,
    });
    expect(usageFromJson({ usage: null })).toBeUndefined();
  });

  it("passes an SSE stream through unchanged chunk by chunk and reads its usage", () => {
    const bytes = enc.encode(SSE);
    const { out, tap } = feed(bytes, [1, 7, 50]);
    expect(dec.decode(out)).toBe(SSE);
    expect(tap.usage).toEqual({ promptTokens: 12, completionTokens: 5, cachedTokens: 8 });
  });

  it("handles SSE chunks split at every byte boundary, including inside UTF-8 characters", () => {
    const bytes = enc.encode(SSE);
    const expected = SSE.replaceAll('"model":"llama-lora-v2"', '"model":"llama-lora"');
    // Every single split point, and a byte-by-byte feed.
    for (let cut = 1; cut < bytes.length; cut++) {
      const { out, tap } = feed(bytes, [cut], MAPPING);
      expect(dec.decode(out)).toBe(expected);
      expect(tap.usage?.cachedTokens).toBe(8);
    }
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    const { out, tap } = feed(bytes, everyByte, MAPPING);
    expect(dec.decode(out)).toBe(expected);
    expect(tap.usage?.promptTokens).toBe(12);
  });

  it("reads a final event that has no trailing newline", () => {
    const text = 'data: {"model":"llama-lora-v2","usage":{"prompt_tokens":1,"completion_tokens":1}}';
    const { out, tap } = feed(enc.encode(text), [10], MAPPING);
    expect(dec.decode(out)).toBe(
      'data: {"model":"llama-lora","usage":{"prompt_tokens":1,"completion_tokens":1}}',
    );
    expect(tap.usage?.promptTokens).toBe(1);
  });

  it("maps the model inside Responses stream events", () => {
    const text =
      'event: response.completed\ndata: {"type":"response.completed","response":{"model":"llama-lora-v2","usage":{"input_tokens":4,"output_tokens":2}}}\n\n';
    const { out, tap } = feed(enc.encode(text), [30], MAPPING);
    expect(dec.decode(out)).toContain('"model":"llama-lora"');
    expect(dec.decode(out).startsWith("event: response.completed\n")).toBe(true);
    expect(tap.usage).toEqual({ promptTokens: 4, completionTokens: 2, cachedTokens: 0 });
  });
});
