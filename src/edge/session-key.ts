/**
 * The key that keeps a conversation on one region (so its prefix cache stays warm): the session
 * header when the client sends one, else a hash of the prompt's first blocks (the same chained
 * block hashes as the prefix-cache scorer), so requests sharing a long prefix share a region.
 */
import { hashPrompt } from "../scheduling/prefix/prefix-hash.js";

/** Prompt blocks (64 characters each) that make up the prefix key: 256 characters. */
export const SESSION_PREFIX_BLOCKS = 4;

/** Most characters of a session header value kept in the key. */
export const MAX_SESSION_ID = 256;

/**
 * "s:<id>" from the session header, else "p:<hex>" from the prompt prefix (needs at least one full
 * 64-character block), else undefined.
 *
 * @example
 * sessionKeyFor(req.headers.get("x-session-id"), parsed.promptParts, parsed.model); // "s:abc" or "p:1f2e3d4c"
 */
export function sessionKeyFor(
  sessionId: string | null,
  promptParts: readonly string[],
  model: string,
): string | undefined {
  if (sessionId !== null && sessionId.trim() !== "") return `s:${sessionId.trim().slice(0, MAX_SESSION_ID)}`;
  const hashes = hashPrompt(promptParts, model, { maxPrefixBlocksToMatch: SESSION_PREFIX_BLOCKS });
  const last = hashes[hashes.length - 1];
  return last === undefined ? undefined : `p:${last.toString(16).padStart(8, "0")}`;
}
