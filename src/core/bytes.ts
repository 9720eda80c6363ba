/** Joining byte chunks (request and response bodies) without copying when there is only one. */

/** The chunks as one array of `total` bytes (the chunk itself when there is one). */
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
