/**
 * The protobuf wire primitives the hand encoder (reply-encoder.ts) writes with: varints, one-byte
 * tags, length-delimited fields, and the UTF-8 length of a string without encoding it.
 */

/** Wire types used here. */
const VARINT = 0;
const LEN = 2;

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

export function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/** Bytes of `s` in UTF-8 as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 2; // two units, four bytes
        i++;
      } else n += 2;
    } else n += 2;
  }
  return n;
}

/** A length-delimited field of `len` bytes (field numbers here are all < 16: a one-byte tag). */
export function lenField(len: number): number {
  return 1 + varintSize(len) + len;
}

/** A varint field holding `n` (one-byte tag). */
export function varintField(n: number): number {
  return 1 + varintSize(n);
}

export function writeTag(out: Uint8Array, at: number, field: number, len: number): number {
  out[at++] = (field << 3) | LEN;
  return writeVarint(out, at, len);
}

export function writeVarintField(out: Uint8Array, at: number, field: number, n: number): number {
  out[at++] = (field << 3) | VARINT;
  return writeVarint(out, at, n);
}

export function writeBytes(out: Uint8Array, at: number, field: number, b: Uint8Array): number {
  at = writeTag(out, at, field, b.length);
  out.set(b, at);
  return at + b.length;
}
