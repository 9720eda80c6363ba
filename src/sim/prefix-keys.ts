/**
 * Prompt content as the prefix cache sees it: one key per full KV block. Requests carry cheap
 * per-block content keys (`prefixKeys`); the engine chains them (with the LoRA adapter as the seed, as
 * vLLM does) into 52-bit keys, so a block matches only when every block before it matched too.
 */
import { xxHash32 } from "js-xxhash";

/** Characters per token in the text approximation. */
export const charsPerToken = 4;

/**
 * Prompt size and block keys of a text prompt: ceil(length / 4) tokens, and one key per full
 * `blockSize × 4`-character chunk, hashed as a chain (xxHash32 seeded with the previous chunk's hash).
 *
 * @example
 * const { promptTokens, prefixKeys } = promptFromText(system + question);
 * engine.submit({ id, promptTokens, prefixKeys, maxTokens: 200 }, now);
 */
export function promptFromText(text: string, blockSize = 16): { promptTokens: number; prefixKeys: number[] } {
  const chunk = blockSize * charsPerToken;
  const prefixKeys: number[] = [];
  let h = 0;
  for (let at = 0; at + chunk <= text.length; at += chunk) {
    h = xxHash32(text.slice(at, at + chunk), h);
    prefixKeys.push(h);
  }
  return { promptTokens: Math.max(1, Math.ceil(text.length / charsPerToken)), prefixKeys };
}

function mix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO32 = 4294967296;

/**
 * Chains the first `count` content keys into the engine's block keys (52-bit integers: few
 * collisions among millions of blocks). Strings are hashed twice (64 bits); integers keep 64 bits.
 */
export function chainBlockKeys(
  keys: readonly (number | string)[],
  count: number,
  adapter: string | undefined,
): number[] {
  const out: number[] = new Array(count);
  let h1 = adapter === undefined ? 0x243f6a88 : xxHash32(adapter, 1);
  let h2 = adapter === undefined ? 0x85a308d3 : xxHash32(adapter, 2);
  for (let i = 0; i < count; i++) {
    const k = keys[i]!;
    let a: number;
    let b: number;
    if (typeof k === "number" && Number.isSafeInteger(k)) {
      a = (k % TWO32) >>> 0;
      b = Math.floor(k / TWO32) >>> 0;
    } else {
      const s = String(k);
      a = xxHash32(s, 0x9e3779b1);
      b = xxHash32(s, 0x7f4a7c15);
    }
    h1 = mix32(mix32(h1 ^ a) + b + 0x27d4eb2f);
    h2 = mix32(mix32(h2 ^ b ^ h1) + a + 0x165667b1);
    out[i] = (h1 & 0xfffff) * TWO32 + h2;
  }
  return out;
}
