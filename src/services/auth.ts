/**
 * Bearer-token checks for the Connect API. Pushes (writes) and reads have separate, optional tokens.
 * The comparison takes the same time wherever the first difference is.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

export interface ApiTokens {
  /** Required on PushSnapshot when set. */
  pushToken?: string | undefined;
  /** Required on every read (Get/List/Watch/Explain) when set. */
  readToken?: string | undefined;
}

const writeMethods = new Set(["PushSnapshot", "StreamSnapshots", "PushPeerLoad", "StreamPeerLoad"]);

/** Compares two strings in time independent of where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  const n = Math.max(x.length, y.length);
  let diff = x.length ^ y.length;
  for (let i = 0; i < n; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Checks an Authorization header against a token; undefined token = open. */
export function bearerAllowed(header: string | null, token: string | undefined): boolean {
  if (token === undefined || token === "") return true;
  if (header === null || !header.startsWith("Bearer ")) return false;
  return constantTimeEqual(header.slice(7).trim(), token);
}

/** An interceptor refusing calls without the right bearer token with Unauthenticated. */
export function createAuthInterceptor(tokens: ApiTokens): Interceptor {
  return (next) => async (req) => {
    const write = writeMethods.has(req.method.name);
    const token = write ? tokens.pushToken : tokens.readToken;
    if (!bearerAllowed(req.header.get("authorization"), token)) {
      const what = write ? "pushes" : "reads";
      throw new ConnectError(
        `${what} need "Authorization: Bearer <token>" with the configured token`,
        Code.Unauthenticated,
      );
    }
    return next(req);
  };
}
