/**
 * Reads a request body into one buffer, refusing more than the limit: early from content-length,
 * and while reading for chunked bodies (so an oversized upload is cut, not buffered).
 */
import { BodyTooLargeError } from "./openai-error.js";

/** The whole body; throws {@link BodyTooLargeError} beyond `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > maxBytes) throw new BodyTooLargeError(maxBytes);
    // A declared length bounds the read (the HTTP parser enforces it), so the runtime's own whole-body
    // read may be used: on @hono/node-server it skips building a Web stream for the body.
    return new Uint8Array(await request.arrayBuffer());
  }
  const body = request.body;
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
