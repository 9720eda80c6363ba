/** A region's summary as the PushRegionRequest a regional router sends to the edge. */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type PushRegionRequest, PushRegionRequestSchema } from "../gen/inferencerouter/v1/edge_pb.js";
import type { ModelSummary, RegionLocation } from "./region-types.js";

/** What a region says about itself besides its models. */
export interface RegionIdentity {
  region: string;
  /** Where the edge forwards /v1/* for this region. */
  baseUrl: string;
  location: RegionLocation;
}

/**
 * The push message.
 *
 * @example
 * regionPushMessage(identity, summarizePools(store), nextSequence(prev, Date.now()), Date.now(), false);
 */
export function regionPushMessage(
  identity: RegionIdentity,
  models: readonly ModelSummary[],
  sequence: bigint,
  observedAtMs: number,
  draining: boolean,
): PushRegionRequest {
  const loc = identity.location;
  return create(PushRegionRequestSchema, {
    region: identity.region,
    baseUrl: identity.baseUrl,
    location: {
      ...(loc.latitude !== undefined && loc.longitude !== undefined
        ? { latitude: loc.latitude, longitude: loc.longitude }
        : {}),
      continent: loc.continent,
      colos: [...loc.colos],
    },
    sequence,
    observedAt: timestampFromMs(Math.round(observedAtMs)),
    draining,
    models: models.map((m) => ({
      ...m,
      endpointsReady: Math.round(m.endpointsReady),
      endpointsTotal: Math.round(m.endpointsTotal),
      queueDepth: Math.round(m.queueDepth),
      runningRequests: Math.round(m.runningRequests),
    })),
  });
}
