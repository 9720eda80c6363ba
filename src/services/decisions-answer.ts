/**
 * GET /ui/decisions on the API port: the router core's recent decisions as JSON for the pool page,
 * behind the read token as every other read is.
 */
import type { RecentDecision } from "../routing/recent-decisions.js";
import { bearerAllowed } from "./auth.js";

/** The API-port path of the recent decisions. */
export const DECISIONS_PATH = "/ui/decisions";

/** An HTTP answer for the runtime to write as it is. */
export interface PlainAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The answer to GET /ui/decisions: 200 `{"decisions":[...]}` newest first, or 401 without the read
 * token (RouterConfig spec.auth.readToken) when one is set.
 */
export function decisionsAnswer(
  decisions: () => readonly RecentDecision[],
  authorization: string | null,
  readToken: string | undefined,
): PlainAnswer {
  if (!bearerAllowed(authorization, readToken)) {
    return {
      status: 401,
      headers: { "content-type": "application/json", "www-authenticate": "Bearer" },
      body: JSON.stringify({
        error: 'reads need "Authorization: Bearer <token>" with the configured token',
      }),
    };
  }
  return {
    status: 200,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
    body: JSON.stringify({ decisions: decisions() }),
  };
}
