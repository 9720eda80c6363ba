/** The largest ext_proc message the picker reads or writes, from the RouterConfig. */
import type { RouterConfig } from "../api/router-config.js";

/** gRPC's customary message limit; Envoy's streamed body chunks (64 KiB) are far below it. */
export const EXTPROC_MIN_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Room for the message fields around a BUFFERED body (headers, metadata). */
const ENVELOPE_BYTES = 64 * 1024;

/**
 * `limits.maxMessageBytes` bounds the Connect API's pushes; the ext_proc stream takes at least
 * {@link EXTPROC_MIN_MESSAGE_BYTES} (a small push limit must not break Envoy's messages), and in
 * BUFFERED body mode Envoy sends the whole body in one message, so the limit also covers
 * `limits.maxBodyBytes` plus its envelope.
 *
 * @example
 * extProcMessageLimit(config) // 4194304 with the defaults (FULL_DUPLEX_STREAMED)
 */
export function extProcMessageLimit(config: Pick<RouterConfig, "limits" | "extproc">): number {
  const buffered = config.extproc.bodyMode === "BUFFERED" ? config.limits.maxBodyBytes + ENVELOPE_BYTES : 0;
  return Math.max(config.limits.maxMessageBytes, EXTPROC_MIN_MESSAGE_BYTES, buffered);
}
