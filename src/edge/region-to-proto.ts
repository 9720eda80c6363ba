/** Converts directory records and picks into EdgeService messages. */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type ExplainRegionResponse,
  ExplainRegionResponseSchema,
  type Region,
  RegionSchema,
} from "../gen/inferencerouter/v1/edge_pb.js";
import type { RegionPick } from "./region-pick.js";
import type { RegionRecord } from "./region-types.js";

/** A record as an API message; `stale` is decided by the caller (it knows the clock and the limit). */
export function regionToProto(r: RegionRecord, stale: boolean): Region {
  return create(RegionSchema, {
    region: r.region,
    baseUrl: r.baseUrl,
    location: {
      ...(r.location.latitude !== undefined ? { latitude: r.location.latitude } : {}),
      ...(r.location.longitude !== undefined ? { longitude: r.location.longitude } : {}),
      continent: r.location.continent,
      colos: [...r.location.colos],
    },
    models: r.models.map((m) => ({ ...m })),
    draining: r.draining,
    sequence: r.sequence,
    observedAt: timestampFromMs(Math.round(r.observedAt)),
    receivedAt: timestampFromMs(Math.round(r.receivedAt)),
    stale,
  });
}

/** A pick as an ExplainRegionResponse. */
export function explainToProto(
  model: string,
  pick: RegionPick,
  sessionKey: string | undefined,
  stickyRegion: string | undefined,
): ExplainRegionResponse {
  return create(ExplainRegionResponseSchema, {
    model,
    candidates: pick.candidates.map((c) => ({
      region: c.region.region,
      total: c.total,
      distanceKm: c.distanceKm ?? -1,
      distanceScore: c.distanceScore,
      saturationScore: c.saturationScore,
      capacityScore: c.capacityScore,
      saturated: c.saturated,
    })),
    excluded: pick.excluded,
    picked: pick.ordered.map((c) => c.region.region),
    sessionKey: sessionKey ?? "",
    stickyRegion: stickyRegion ?? "",
    locatedBy: pick.locatedBy,
    error: pick.error ? `${pick.error.code}: ${pick.error.message}` : "",
  });
}
