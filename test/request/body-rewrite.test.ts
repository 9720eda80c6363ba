import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { rewriteModelInBody } from "../../src/request/body-rewrite.js";

describe("rewriteModelInBody", () => {
  it("answers a body too deep to re-serialise with a BadRequest instead of overflowing the stack", () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const json = { model: "a", messages: [], metadata: deep };
    let err: unknown;
    try {
      rewriteModelInBody("{}", json, "b");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RouterError);
    expect(err).toMatchObject({
      code: "BadRequest",
      message: "request body: nested too deeply to rewrite its model",
    });
  });

  it("re-serialises a body with the new model and every other field kept", () => {
    const out = rewriteModelInBody('{"model":"a","n":1}', { model: "a", n: 1 }, "b");
    expect(new TextDecoder().decode(out.body)).toBe('{"model":"b","n":1}');
    expect(out.changed).toBe(true);
  });
});
