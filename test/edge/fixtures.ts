/** Region records for the edge unit tests. */
import type { ModelSummary, RegionRecord } from "../../src/edge/region-types.js";

export const FRANKFURT = { latitude: 50.11, longitude: 8.68, continent: "EU", colos: ["FRA"] };
export const VIRGINIA = { latitude: 38.95, longitude: -77.45, continent: "NA", colos: ["IAD"] };
export const TOKYO = { latitude: 35.68, longitude: 139.69, continent: "AS", colos: ["NRT"] };

export function summary(model: string, over: Partial<ModelSummary> = {}): ModelSummary {
  return {
    model,
    endpointsReady: 4,
    endpointsTotal: 4,
    capacity: 4,
    freeCapacity: 3,
    queueDepth: 0,
    runningRequests: 2,
    kvHeadroom: 0.7,
    saturation: 0.25,
    ...over,
  };
}

export function region(name: string, over: Partial<RegionRecord> = {}): RegionRecord {
  return {
    region: name,
    baseUrl: `https://${name}.example`,
    location: { continent: "", colos: [] },
    draining: false,
    models: [summary("llama")],
    sequence: 1n,
    observedAt: 0,
    receivedAt: 0,
    ...over,
  };
}
