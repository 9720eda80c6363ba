/**
 * Prompt → chained block hashes, the keys of the prefix-cache index (upstream prefix-cache-scorer's
 * hashing). The prompt text is cut into blocks of `blockSize` characters; block 0 is hashed with
 * hash(model) as its seed and every later block with the previous block's hash, so a block's hash
 * stands for the whole prefix up to it. Only full blocks count; at most `maxPrefixBlocksToMatch`.
 */
import { xxHash32 } from "js-xxhash";

/** Default characters per block (upstream `blockSize`). */
export const DEFAULT_BLOCK_SIZE = 64;
/** Default most blocks hashed and matched (upstream `maxPrefixBlocksToMatch`). */
export const DEFAULT_MAX_PREFIX_BLOCKS = 256;

/** Hashing options; both optional. */
export interface PromptHashOptions {
  /** Characters (UTF-16 code units) per block. Default {@link DEFAULT_BLOCK_SIZE}. */
  blockSize?: number;
  /** Most blocks hashed. Default {@link DEFAULT_MAX_PREFIX_BLOCKS}. */
  maxPrefixBlocksToMatch?: number;
}

const encoder = new TextEncoder();
/** Reused UTF-8 buffer for one block (3 bytes per UTF-16 unit is the worst case). */
let scratch = new Uint8Array(DEFAULT_BLOCK_SIZE * 3);

function hashBlock(block: string, seed: number): number {
  if (scratch.length < block.length * 3) scratch = new Uint8Array(block.length * 3);
  const { written } = encoder.encodeInto(block, scratch);
  return xxHash32(scratch.subarray(0, written), seed);
}

/**
 * Hashes a prompt given as one string or as parts that are hashed as if concatenated (so callers
 * need not build the whole text). Returns uint32 hashes, one per full block, in order.
 *
 * @example
 * hashPrompt(["system\n", "You are a helpful assistant...", "\u0000"], "llama-3-8b");
 */
export function hashPrompt(
  prompt: string | readonly string[],
  model: string,
  options: PromptHashOptions = {},
): number[] {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const maxBlocks = options.maxPrefixBlocksToMatch ?? DEFAULT_MAX_PREFIX_BLOCKS;
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`blockSize: ${blockSize} must be an integer >= 1`);
  }
  const out: number[] = [];
  if (maxBlocks <= 0) return out;
  let prev = xxHash32(model, 0);
  let pending = "";
  const parts = typeof prompt === "string" ? [prompt] : prompt;
  for (const part of parts) {
    let i = 0;
    while (i < part.length) {
      let block: string;
      if (pending.length === 0 && part.length - i >= blockSize) {
        // Fast path: a whole block inside this part, hashed from a slice.
        block = part.slice(i, i + blockSize);
        i += blockSize;
      } else {
        const take = Math.min(blockSize - pending.length, part.length - i);
        pending += part.slice(i, i + take);
        i += take;
        if (pending.length < blockSize) break;
        block = pending;
        pending = "";
      }
      prev = hashBlock(block, prev);
      out.push(prev);
      if (out.length >= maxBlocks) return out;
    }
  }
  return out;
}
