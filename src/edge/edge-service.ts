/**
 * EdgeService over the core: pushes are parsed here and applied by the region backend (the Durable
 * Object), reads list the backend, Explain runs the same pick as the request path on the isolate's
 * cached directory. Served over fetch (Connect and gRPC-Web protocols) by {@link createEdgeConnectHandler}.
 */
import {
  Code,
  ConnectError,
  createConnectRouter,
  type Interceptor,
  type ServiceImpl,
} from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { RouterError } from "../core/errors.js";
import { EdgeService } from "../gen/inferencerouter/v1/edge_pb.js";
import { bearerAllowed } from "../services/auth.js";
import { connectErrorFrom } from "../services/connect-error.js";
import { registerStrict } from "../services/strict-wire.js";
import { clientLocationFromCf } from "./client-location.js";
import type { EdgeConfig } from "./edge-config.js";
import { pickOptionsFrom } from "./edge-config.js";
import type { RegionBackend } from "./region-backend.js";
import { isRegionStale } from "./region-directory.js";
import { pickRegions } from "./region-pick.js";
import { parseRegionPush } from "./region-push.js";
import { explainToProto, regionToProto } from "./region-to-proto.js";
import type { ClientLocation, RegionRecord } from "./region-types.js";
import { sessionKeyFor } from "./session-key.js";
import type { StickySessions } from "./sticky-sessions.js";

/** Internal header carrying the caller's request.cf location into Explain; client copies are dropped. */
export const CLIENT_LOCATION_HEADER = "x-edge-client-location";

export interface EdgeServiceOptions {
  backend: RegionBackend;
  config: EdgeConfig;
  /** The isolate's cached directory (Explain sees what the request path sees). */
  directory: () => Promise<RegionRecord[]>;
  /** The isolate's view of session stickiness (Explain reads it, never writes). */
  sessions: StickySessions;
  /** Edge time, ms since epoch. */
  now: () => number;
  /** Called after an accepted push (the isolate drops its cached directory). */
  onPushed?: (record: RegionRecord) => void;
}

/** The service implementation. */
export function createEdgeService(o: EdgeServiceOptions): ServiceImpl<typeof EdgeService> {
  const pickOptions = pickOptionsFrom(o.config);
  return {
    async pushRegion(req) {
      try {
        const record = parseRegionPush(req, o.now());
        const outcome = await o.backend.push(record);
        if (!outcome.ok) throw new RouterError(outcome.code, outcome.message, outcome.field);
        o.onPushed?.(record);
        return { acceptedSequence: outcome.acceptedSequence, modelCount: outcome.modelCount };
      } catch (err) {
        throw connectErrorFrom(err);
      }
    },
    async listRegions() {
      const now = o.now();
      const regions = await o.backend.list();
      return {
        regions: regions.map((r) => regionToProto(r, isRegionStale(r, now, pickOptions.staleAfterMs))),
      };
    },
    async explainRegion(req, ctx) {
      if (req.model === "") throw new ConnectError("model: (missing) is required", Code.InvalidArgument);
      const caller = clientLocationFromCf(safeJson(ctx.requestHeader.get(CLIENT_LOCATION_HEADER)));
      const both = req.latitude !== undefined && req.longitude !== undefined;
      const client: ClientLocation = {
        ...(both ? { latitude: req.latitude, longitude: req.longitude } : {}),
        continent: req.continent.toUpperCase(),
        colo: req.colo.toUpperCase(),
      };
      const located = both || client.continent !== "" || client.colo !== "" ? client : caller;
      const key = sessionKeyFor(req.sessionId, req.prompt === "" ? [] : [req.prompt], req.model);
      const [regions, sticky] = await Promise.all([
        o.directory(),
        key === undefined ? undefined : o.sessions.regionOf(key),
      ]);
      const pick = pickRegions(
        regions,
        { model: req.model, client: located, stickyRegion: sticky, now: o.now() },
        pickOptions,
      );
      return explainToProto(req.model, pick, key, pick.sticky);
    },
  };
}

function safeJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Bearer checks: pushes need PUSH_TOKEN and are refused outright when none is configured (the edge
 * is public, so it fails closed); reads need READ_TOKEN only when one is set.
 */
export function createEdgeAuthInterceptor(
  pushToken: string | undefined,
  readToken: string | undefined,
): Interceptor {
  return (next) => async (req) => {
    const header = req.header.get("authorization");
    if (req.method.name === "PushRegion") {
      if (pushToken === undefined || pushToken === "") {
        throw new ConnectError("pushes are disabled: the PUSH_TOKEN secret is not set", Code.Unauthenticated);
      }
      if (!bearerAllowed(header, pushToken)) {
        throw new ConnectError('pushes need "Authorization: Bearer <PUSH_TOKEN>"', Code.Unauthenticated);
      }
    } else if (!bearerAllowed(header, readToken)) {
      throw new ConnectError('reads need "Authorization: Bearer <READ_TOKEN>"', Code.Unauthenticated);
    }
    return next(req);
  };
}

/** A fetch handler per RPC path ("/inferencerouter.v1.EdgeService/PushRegion" -> handler). */
export function createEdgeConnectHandler(
  service: ServiceImpl<typeof EdgeService>,
  interceptors: Interceptor[],
  readMaxBytes = 4 * 1024 * 1024,
): Map<string, (request: Request) => Promise<Response>> {
  const router = createConnectRouter({ interceptors, readMaxBytes, grpc: false });
  // Read strictly, as the router's own API (src/services/strict-wire.ts).
  registerStrict(router, EdgeService, service);
  return new Map(router.handlers.map((h) => [h.requestPath, createFetchHandler(h)]));
}
