/**
 * One OpenAI request at the edge: read the body (bounded), parse it once, pick regions for its model
 * from the client's location, session and the cached directory, forward with failover, and remember
 * which region served the session.
 */
import { apiKindFromPath } from "../openai/api-kind.js";
import { bodyTooLarge, pathNotFound } from "../openai/error-body.js";
import { REQUEST_ID_HEADER } from "../request/headers.js";
import { parseBody } from "../request/parse-body.js";
import { clientLocationFromCf } from "./client-location.js";
import type { EdgeConfig, RegionPickOptions } from "./edge-config.js";
import { forwardableHeaders, forwardToRegions } from "./forward-to-regions.js";
import { pickRegions } from "./region-pick.js";
import type { RegionRecord } from "./region-types.js";
import { sessionKeyFor } from "./session-key.js";
import type { StickySessions } from "./sticky-sessions.js";

/** What the request path needs from its surroundings. */
export interface EdgeRequestDeps {
  config: EdgeConfig;
  pickOptions: RegionPickOptions;
  directory: () => Promise<RegionRecord[]>;
  sessions: StickySessions;
  /** Keeps a promise alive past the response (Workers' ctx.waitUntil); the session write goes here. */
  waitUntil: (promise: Promise<unknown>) => void;
  fetch: (request: Request) => Promise<Response>;
  now: () => number;
}

/** Where the edge's body limit is configured (named in the 413's message). */
const BODY_LIMIT_SETTING = "MAX_BODY_BYTES";

/** Reads a body up to `max` bytes; PayloadTooLarge (413) past it, as at every front door. */
async function readBody(request: Request, max: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > max) throw bodyTooLarge(declared, max, BODY_LIMIT_SETTING);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.length > max) throw bodyTooLarge(bytes.length, max, BODY_LIMIT_SETTING);
  return bytes;
}

/**
 * Routes one /v1/* request to a region and returns its response (streamed through untouched).
 * `cf` is the request's Cloudflare properties (request.cf), or undefined outside Workers.
 * @throws RouterError: BadRequest, NotFound (unknown path or model), ServiceUnavailable, BadGateway.
 */
export async function handleEdgeRequest(
  request: Request,
  cf: unknown,
  requestId: string,
  d: EdgeRequestDeps,
): Promise<Response> {
  const url = new URL(request.url);
  const kind = apiKindFromPath(url.pathname);
  if (kind === undefined) throw pathNotFound(url.pathname);
  const body = await readBody(request, d.config.MAX_BODY_BYTES);
  const parsed = parseBody(body, kind);
  const key = sessionKeyFor(request.headers.get(d.config.SESSION_HEADER), parsed.promptParts, parsed.model);
  // The session's region and the directory are read side by side: a miss in both costs one wait.
  const [regions, stickyRegion] = await Promise.all([
    d.directory(),
    key === undefined ? undefined : d.sessions.regionOf(key),
  ]);
  const pick = pickRegions(
    regions,
    { model: parsed.model, client: clientLocationFromCf(cf), stickyRegion, now: d.now() },
    d.pickOptions,
  );
  if (pick.error) throw pick.error;
  const headers = forwardableHeaders(request.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  const result = await forwardToRegions(
    pick.ordered.map((c) => ({ region: c.region.region, baseUrl: c.region.baseUrl })),
    {
      method: request.method,
      pathAndQuery: url.pathname + url.search,
      headers,
      body,
      signal: request.signal,
    },
    { fetch: d.fetch, firstByteTimeoutMs: d.config.FIRST_BYTE_TIMEOUT_MS },
  );
  if (key !== undefined && result.response.status < 400) {
    const write = d.sessions.served(key, result.region);
    if (write !== undefined) d.waitUntil(write);
  }
  // The client learns the id its request ran under (its own when usable, else the one made here).
  result.response.headers.set(REQUEST_ID_HEADER, requestId);
  return result.response;
}

/** Models served by at least one fresh, non-draining region with a ready endpoint (wildcards left out). */
export function servedModels(
  regions: readonly RegionRecord[],
  now: number,
  staleAfterMs: number,
): Set<string> {
  const models = new Set<string>();
  for (const r of regions) {
    if (now - r.receivedAt > staleAfterMs || r.draining) continue;
    for (const m of r.models) if (m.model !== "*" && m.endpointsReady > 0) models.add(m.model);
  }
  return models;
}
