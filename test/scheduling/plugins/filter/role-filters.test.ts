import { describe, expect, it } from "vitest";
import { createDecodeFilter, DecodeFilter } from "../../../../src/scheduling/plugins/filter/decode-filter.js";
import {
  createPrefillFilter,
  PrefillFilter,
} from "../../../../src/scheduling/plugins/filter/prefill-filter.js";
import { ctx, endpoints, request } from "../../helpers.js";

const role = (r: string) => ({ labels: { "llm-d.ai/role": r } });

describe("prefill-filter and decode-filter (llm-d.ai/role)", () => {
  const eps = endpoints([
    role("prefill"),
    role("decode"),
    role("prefill-decode"),
    role("both"),
    {},
    role("encode"),
    role("encode-prefill"),
    role("encode-decode"),
  ]);

  it("prefill-filter keeps endpoints that may prefill: prefill, prefill-decode, both (deprecated), unlabelled", () => {
    expect(new PrefillFilter().filter(ctx(), request(), eps)).toEqual([
      eps[0],
      eps[2],
      eps[3],
      eps[4],
      eps[6],
    ]);
  });

  it("decode-filter keeps endpoints that may decode; a prefill-only endpoint never serves a whole request", () => {
    expect(new DecodeFilter().filter(ctx(), request(), eps)).toEqual([
      eps[1],
      eps[2],
      eps[3],
      eps[4],
      eps[7],
    ]);
  });

  it("returns the input itself when nothing is removed (a pool without roles routes as before)", () => {
    const plain = endpoints([{}, {}]);
    expect(new DecodeFilter().filter(ctx(), request(), plain)).toBe(plain);
    expect(new PrefillFilter().filter(ctx(), request(), plain)).toBe(plain);
  });

  it("take no parameters, and say so naming the plugin", () => {
    expect(() => createPrefillFilter("p", { x: 1 }, undefined as never)).toThrow(
      /plugin "p" \(prefill-filter\)/,
    );
    expect(() => createDecodeFilter("decode-filter", { x: 1 }, undefined as never)).toThrow(/decode-filter/);
  });
});
