/**
 * Taps a streamed (SSE) answer chunk by chunk: usage from the `data:` event that carries it, and the
 * model mapped back per event. Chunks may split lines anywhere, even inside a UTF-8 character: lines
 * are cut on the newline byte, which never occurs inside a multi-byte character, and only whole lines
 * are decoded.
 *
 * Without a model mapping every chunk is forwarded at once, unchanged; with one, bytes are forwarded
 * up to the last complete line (a partial line waits for the next chunk or `end()`).
 */
import { concatBytes } from "../core/bytes.js";
import {
  hasUsageObject,
  type ModelMapping,
  mapModelInJson,
  mapsModel,
  type Usage,
  usageFromJson,
} from "./usage-tap.js";

const NEWLINE = 10;
/** A line longer than this is forwarded as-is without being parsed (bounds the carried bytes). */
const MAX_LINE_BYTES = 1 << 20;
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** hasUsageObject on a line's bytes: `"usage"` followed by spaces or `:`, then `{`. */
function hasUsageObjectBytes(line: Uint8Array): boolean {
  // Found by its "g", the rarest of its letters in JSON chunks.
  let g = line.indexOf(0x67, 5);
  while (g >= 0) {
    if (
      line[g - 4] === 0x22 &&
      line[g - 3] === 0x75 &&
      line[g - 2] === 0x73 &&
      line[g - 1] === 0x61 &&
      line[g + 1] === 0x65 &&
      line[g + 2] === 0x22
    ) {
      let i = g + 3;
      while (line[i] === 32 || line[i] === 58) i++;
      if (line[i] === 123) return true;
    }
    g = line.indexOf(0x67, g + 1);
  }
  return false;
}

/**
 * @example
 * const tap = new SseUsageTap({ from: "llama-lora-v2", to: "llama-lora" });
 * for await (const chunk of upstream) send(tap.push(chunk));
 * send(tap.end());
 * metrics.observe(tap.usage);
 */
export class SseUsageTap {
  readonly #mapping: ModelMapping | undefined;
  /** Bytes of the current, unfinished line. */
  #carry: Uint8Array = EMPTY;
  /** The current line grew past MAX_LINE_BYTES: skip it up to its newline. */
  #skipping = false;
  #usage: Usage | undefined;

  /** @param mapping target → client model names; omit (or from === to) for pass-through. */
  constructor(mapping?: ModelMapping) {
    this.#mapping = mapsModel(mapping) ? mapping : undefined;
  }

  /** The last usage seen so far (streams send it in the final event). */
  get usage(): Usage | undefined {
    return this.#usage;
  }

  /** Feeds a chunk; returns the bytes to forward now. */
  push(chunk: Uint8Array): Uint8Array {
    if (this.#mapping === undefined) return this.#pass(chunk);
    const out: Uint8Array[] = [];
    let outBytes = 0;
    const emit = (bytes: Uint8Array): void => {
      if (bytes.length === 0) return;
      out.push(bytes);
      outBytes += bytes.length;
    };
    let start = 0;
    let nl = chunk.indexOf(NEWLINE);
    while (nl >= 0) {
      const line = this.#takeLine(chunk.subarray(start, nl + 1));
      if (this.#mapping !== undefined) emit(line);
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    const rest = chunk.subarray(start);
    if (this.#skipping || this.#carry.length + rest.length > MAX_LINE_BYTES) {
      // Too long to be an event we care about: forward it (mapping mode) and stop collecting it.
      if (this.#mapping !== undefined)
        emit(concatBytes([this.#carry, rest], this.#carry.length + rest.length));
      this.#carry = EMPTY;
      this.#skipping = true;
    } else if (rest.length > 0) {
      this.#carry = concatBytes([this.#carry, rest.slice()], this.#carry.length + rest.length);
    }
    if (this.#mapping === undefined) return chunk;
    return outBytes === 0 ? EMPTY : concatBytes(out, outBytes);
  }

  /** push() without a model to map: lines are read and the chunk goes on unchanged (nothing collected). */
  #pass(chunk: Uint8Array): Uint8Array {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE);
    while (nl >= 0) {
      this.#takeLine(chunk.subarray(start, nl + 1));
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    const restBytes = chunk.length - start;
    if (this.#skipping || this.#carry.length + restBytes > MAX_LINE_BYTES) {
      this.#carry = EMPTY;
      this.#skipping = true;
    } else if (restBytes > 0) {
      this.#carry = concatBytes([this.#carry, chunk.slice(start)], this.#carry.length + restBytes);
    }
    return chunk;
  }

  /** Ends the stream: a final line without a newline is read too. Returns the bytes still to forward. */
  end(): Uint8Array {
    if (this.#carry.length === 0) return EMPTY;
    const line = this.#takeLine(EMPTY);
    return this.#mapping === undefined ? EMPTY : line;
  }

  /** Completes the carried line with `tail` (which ends in a newline, or is empty at the end); reads it. */
  #takeLine(tail: Uint8Array): Uint8Array {
    if (this.#skipping) {
      this.#skipping = false;
      return tail;
    }
    const line =
      this.#carry.length === 0 ? tail : concatBytes([this.#carry, tail], this.#carry.length + tail.length);
    this.#carry = EMPTY;
    return this.#readLine(line);
  }

  /** Reads one whole line; returns it, rewritten when the model was mapped. */
  #readLine(line: Uint8Array): Uint8Array {
    // Only `data:` lines carry JSON; "data" is 0x64 0x61 0x74 0x61 then ':'.
    if (line.length < 6 || line[0] !== 0x64 || line[1] !== 0x61 || line[2] !== 0x74 || line[3] !== 0x61)
      return line;
    if (line[4] !== 0x3a) return line;
    const mapping = this.#mapping;
    // Passing through (no model to map): a line without usage is not even decoded.
    if (mapping === undefined && !hasUsageObjectBytes(line)) return line;
    const text = decoder.decode(line);
    const wantsUsage = mapping === undefined || hasUsageObject(text);
    const wantsModel = mapping !== undefined && text.includes(mapping.from);
    if (!wantsUsage && !wantsModel) return line;
    let end = text.length;
    while (end > 0 && (text.charCodeAt(end - 1) === NEWLINE || text.charCodeAt(end - 1) === 13)) end--;
    const payload = text.slice(text.charCodeAt(5) === 32 ? 6 : 5, end);
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return line; // "[DONE]" and anything else that is not JSON
    }
    if (wantsUsage) this.#usage = usageFromJson(json) ?? this.#usage;
    if (!wantsModel || !mapModelInJson(json, mapping)) return line;
    return encoder.encode(`data: ${JSON.stringify(json)}${text.slice(end)}`);
  }
}
