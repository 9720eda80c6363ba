import { describe, expect, it } from "vitest";
import { apiKindFromPath, apiPaths } from "../../src/openai/api-kind.js";

describe("the OpenAI path table", () => {
  it("maps each inference path to its API kind, ignoring the query", () => {
    expect(apiKindFromPath("/v1/chat/completions")).toBe("chat");
    expect(apiKindFromPath("/v1/completions?x=1")).toBe("completions");
    expect(apiKindFromPath("/v1/embeddings")).toBe("embeddings");
    expect(apiKindFromPath("/v1/responses")).toBe("responses");
  });

  it("knows no kind for paths that carry no parsed body", () => {
    expect(apiKindFromPath("/v1/models")).toBeUndefined();
    expect(apiKindFromPath("/v1/chat/completions/")).toBeUndefined();
    expect(apiKindFromPath("")).toBeUndefined();
  });

  it("does not mistake inherited object keys for paths", () => {
    expect(apiKindFromPath("constructor")).toBeUndefined();
    expect(apiKindFromPath("__proto__")).toBeUndefined();
  });

  it("lists exactly the four inference paths", () => {
    expect(Object.keys(apiPaths).sort()).toEqual([
      "/v1/chat/completions",
      "/v1/completions",
      "/v1/embeddings",
      "/v1/responses",
    ]);
  });
});
