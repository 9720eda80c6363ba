import { describe, expect, it } from "vitest";
import { z } from "zod";
import { RouterError } from "../../src/core/errors.js";
import { parseFields, parseOrBadRequest } from "../../src/core/field-error.js";

const schema = z.strictObject({
  port: z.int().min(1).max(65535),
  mode: z.enum(["a", "b"]),
  tags: z.array(z.string()).min(1),
  nested: z.strictObject({ ratio: z.number().max(1) }).optional(),
});

describe("the zod-issue renderer", () => {
  it("names the field, the value found there and the limit", () => {
    expect(() => parseOrBadRequest(schema, { port: 70000, mode: "a", tags: ["x"] }, "settings")).toThrow(
      "port: 70000 must be at most 65535",
    );
  });

  it("words the expected shape: a missing field, a wrong type, an enum, an empty list", () => {
    const parsed = parseFields(schema, { port: "80", tags: [] });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => `${i.field}: ${i.value} ${i.rule}`)).toEqual([
      'port: "80" must be an integer',
      "mode: (missing) is required",
      "tags: [] must not be empty",
    ]);
  });

  it("reports each unknown key at its own path, not at its parent", () => {
    const parsed = parseFields(schema, { port: 1, mode: "b", tags: ["x"], nested: { ratio: 0.5, ratoi: 2 } });
    expect(parsed.ok ? [] : parsed.issues.map((i) => [i.field, i.value, i.rule])).toEqual([
      ["nested.ratoi", "2", "is not a known field (check its spelling)"],
    ]);
  });

  it("throws a BadRequest whose field is the path, and names the whole input when the issue is about it", () => {
    const err = (() => {
      try {
        parseOrBadRequest(schema, 42, "settings");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(RouterError);
    expect((err as RouterError).code).toBe("BadRequest");
    expect((err as RouterError).message).toBe("settings: 42 must be a mapping");
    expect(() => parseOrBadRequest(schema, { port: 1, mode: "c", tags: ["x"] }, "s")).toThrow(
      'mode: "c" must be one of "a", "b"',
    );
  });
});
