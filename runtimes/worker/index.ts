/**
 * Workers entry of the edge router: builds the core's edge app once per isolate from the bindings and
 * hands it every request. The region directory lives in the RegionDirectoryObject; request.cf and
 * the platform fetch are the only Workers pieces the core gets.
 */

import { RouterError } from "../../src/core/errors.js";
import { createEdgeApp, type EdgeApp } from "../../src/edge/edge-app.js";
import { edgeConfigFromEnv } from "../../src/edge/edge-config.js";
import type { RegionBackend } from "../../src/edge/region-backend.js";
import type { RegionRecord } from "../../src/edge/region-types.js";
import { openAiErrorResponse } from "../../src/openai/error-body.js";
import type { Env } from "./env.js";

export { RegionDirectoryObject } from "./region-directory-object.js";

/** Name of the one directory object. */
const DIRECTORY_NAME = "directory";

function durableObjectBackend(env: Env): RegionBackend {
  const stub = () => env.REGIONS.get(env.REGIONS.idFromName(DIRECTORY_NAME));
  return {
    push: async (record) => (await stub().push(record)) as Awaited<ReturnType<RegionBackend["push"]>>,
    list: async () => (await stub().list()) as RegionRecord[],
    lookupSessions: async (input) =>
      (await stub().lookupSessions(input)) as Awaited<ReturnType<RegionBackend["lookupSessions"]>>,
    recordSessions: async (input) =>
      (await stub().recordSessions(input)) as Awaited<ReturnType<RegionBackend["recordSessions"]>>,
  };
}

let edge: EdgeApp | undefined;

/** The isolate's edge app (built on first use; tests reach its directory cache and sessions). */
export function edgeFor(env: Env): EdgeApp {
  edge ??= createEdgeApp({
    config: edgeConfigFromEnv(env),
    backend: durableObjectBackend(env),
    pushToken: env.PUSH_TOKEN,
    readToken: env.READ_TOKEN,
    cf: (request) => (request as { cf?: unknown }).cf,
    // Looked up per call: the platform fetch, or a test's replacement of it.
    fetch: (request) => fetch(request),
  });
  return edge;
}

/** Forgets the isolate's app (directory cache and sessions): the next request starts as a new isolate would. */
export function resetIsolate(): void {
  edge = undefined;
}

export default {
  fetch(request, env, ctx) {
    let app: EdgeApp;
    try {
      app = edgeFor(env);
    } catch (err) {
      // A bad var is the operator's mistake, not the client's: 500 naming the variable.
      return openAiErrorResponse(
        new RouterError("Internal", `worker configuration: ${(err as Error).message}`),
      );
    }
    return app.app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
