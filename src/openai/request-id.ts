/**
 * The request id rule, once for every front door (HTTP router, ext_proc session, edge): the client's
 * x-request-id when it is safe to echo into headers and logs, else a fresh UUID.
 */
import { type HeaderView, REQUEST_ID_HEADER } from "../request/headers.js";

/** Longest client-supplied id kept (characters); longer ones are replaced. */
export const MAX_REQUEST_ID_LENGTH = 256;

/**
 * Whether a client's id may be used as is: 1 to {@link MAX_REQUEST_ID_LENGTH} printable ASCII
 * characters (0x20-0x7e). CR, LF and other control characters are refused because the id is copied
 * into response headers and Envoy header mutations, where they would split or corrupt a header.
 */
export function isUsableRequestId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_REQUEST_ID_LENGTH) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/**
 * The request's id. `generate` makes the fresh one (default crypto.randomUUID; tests pass their own).
 *
 * @example
 * requestIdOf(new Headers({ "x-request-id": "abc" })); // "abc"
 * requestIdOf(new Headers({ "x-request-id": "a\r\nb" })); // a fresh UUID
 */
export function requestIdOf(headers: HeaderView, generate: () => string = () => crypto.randomUUID()): string {
  const id = headers.get(REQUEST_ID_HEADER);
  return id !== null && isUsableRequestId(id) ? id : generate();
}
