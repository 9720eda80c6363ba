import { describe, expect, it } from "vitest";
import { isUsableRequestId, MAX_REQUEST_ID_LENGTH, requestIdOf } from "../../src/openai/request-id.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const fresh = () => "fresh";

describe("the request id rule", () => {
  it("keeps a client's printable ASCII id", () => {
    expect(requestIdOf(new Headers({ "x-request-id": "abc-123 {x}~" }), fresh)).toBe("abc-123 {x}~");
  });

  it("keeps an id of exactly the longest length and replaces one a character longer", () => {
    const max = "a".repeat(MAX_REQUEST_ID_LENGTH);
    expect(requestIdOf(new Headers({ "x-request-id": max }), fresh)).toBe(max);
    expect(requestIdOf(new Headers({ "x-request-id": `${max}a` }), fresh)).toBe("fresh");
  });

  it("replaces an id with CR, LF, a tab, DEL or non-ASCII characters", () => {
    for (const bad of ["a\r\nx-evil: 1", "a\nb", "a\tb", "a\x7fb", "a\x00b", "é", "id\u2028"]) {
      expect(isUsableRequestId(bad)).toBe(false);
      expect(requestIdOf({ get: () => bad }, fresh)).toBe("fresh");
    }
  });

  it("makes a fresh UUID when the client sent none or an empty one", () => {
    expect(requestIdOf(new Headers())).toMatch(UUID);
    expect(requestIdOf({ get: () => "" })).toMatch(UUID);
    expect(requestIdOf(new Headers())).not.toBe(requestIdOf(new Headers()));
  });
});
