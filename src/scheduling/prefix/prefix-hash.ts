/**
 * Prompt → chained block hashes, the keys of the prefix-cache index (upstream prefix-cache-scorer's
 * hashing). The prompt text is cut into blocks of `blockSize` characters; block 0 is hashed with
 * hash(model) as its seed and every later block with the previous block's hash, so a block's hash
 * stands for the whole prefix up to it. Only full blocks count; at most `maxPrefixBlocksToMatch`.
 */
import { xxHash32Range } from "./xxhash32.js";

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
/** Reused UTF-8 buffer: a run of ASCII blocks, or one block (3 bytes per UTF-16 unit at worst). */
let scratch = new Uint8Array(DEFAULT_BLOCK_SIZE * DEFAULT_MAX_PREFIX_BLOCKS);

function ensureScratch(bytes: number): void {
  if (scratch.length < bytes) scratch = new Uint8Array(bytes);
}

/** A block given as text: its UTF-8 bytes hashed. */
function hashBlock(block: string, seed: number): number {
  ensureScratch(block.length * 3);
  const { written } = encoder.encodeInto(block, scratch);
  return xxHash32Range(scratch, 0, written, seed);
}

/**
 * Hashes a prompt given as one string or as parts that are hashed as if concatenated (so callers
 * need not build the whole text). Returns uint32 hashes, one per full block, in order.
 *
 * A block's hash is xxHash32 of its UTF-8 bytes. Runs of whole blocks inside one part are encoded
 * in one go, and when they are ASCII (bytes = characters) each block is hashed from its byte range
 * of that buffer (no view, no allocation); otherwise, and for a block that spans parts, block by block from its
 * text. Same hashes either way.
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
  let prev = hashBlock(model, 0); // through the scratch buffer: no allocation per call
  let pending = "";
  const parts = typeof prompt === "string" ? [prompt] : prompt;
  for (const part of parts) {
    let i = 0;
    if (pending.length > 0) {
      // A block that began in an earlier part.
      const take = Math.min(blockSize - pending.length, part.length);
      pending += part.slice(0, take);
      i = take;
      if (pending.length < blockSize) continue;
      prev = hashBlock(pending, prev);
      out.push(prev);
      if (out.length >= maxBlocks) return out;
      pending = "";
    }
    const whole = Math.min(Math.floor((part.length - i) / blockSize), maxBlocks - out.length);
    if (whole > 0) {
      const end = i + whole * blockSize;
      const run = i === 0 && end === part.length ? part : part.slice(i, end);
      ensureScratch(run.length);
      const { read, written } = encoder.encodeInto(run, scratch);
      if (read === run.length && written === read) {
        for (let k = 0; k < whole; k++) {
          prev = xxHash32Range(scratch, k * blockSize, (k + 1) * blockSize, prev);
          out.push(prev);
        }
      } else {
        for (let at = i; at < end; at += blockSize) {
          prev = hashBlock(part.slice(at, at + blockSize), prev);
          out.push(prev);
        }
      }
      if (out.length >= maxBlocks) return out;
      i = end;
    }
    if (i < part.length) pending = part.slice(i);
  }
  return out;
}
