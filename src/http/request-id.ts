/** The request id: the client's x-request-id when it is sane, else a fresh UUID. */
import { type HeaderReader, REQUEST_ID_HEADER } from "../request/headers.js";

/** Longest client-supplied id kept; longer ones are replaced (they end up in logs and headers). */
const MAX_ID_LENGTH = 256;

export function requestIdOf(headers: HeaderReader): string {
  const id = headers.get(REQUEST_ID_HEADER);
  return id !== null && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : crypto.randomUUID();
}
