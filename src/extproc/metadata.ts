/** The Envoy metadata the picker reads (subset hint, served endpoint) and writes (the pick). */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import type { Metadata } from "../gen/envoy/config/core/v3/base_pb.js";
import {
  DESTINATION_ENDPOINT_HEADER,
  DESTINATION_SERVED_HEADER,
  DESTINATION_SUBSET_HEADER,
  LB_METADATA_NAMESPACE,
  SUBSET_HINT_NAMESPACE,
} from "./system-headers.js";

function stringList(value: JsonValue | undefined): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v !== "");
  if (typeof value === "string")
    return value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  return [];
}

/**
 * The subset hint: `filter_metadata["envoy.lb.subset_hint"]["x-gateway-destination-endpoint-subset"]`
 * as a list of "ip:port" (a list value, or a comma-separated string). Undefined when absent; an
 * empty list when present but empty (the scheduler answers that with ServiceUnavailable).
 */
export function subsetHintFrom(metadata: Metadata | undefined): string[] | undefined {
  const ns = metadata?.filterMetadata[SUBSET_HINT_NAMESPACE];
  if (!ns || !Object.hasOwn(ns, DESTINATION_SUBSET_HEADER)) return undefined;
  return stringList(ns[DESTINATION_SUBSET_HEADER]) ?? [];
}

/** The endpoint Envoy served (`filter_metadata["envoy.lb"]["x-gateway-destination-endpoint-served"]`). */
export function servedEndpointFrom(metadata: Metadata | undefined): string | undefined {
  const value = metadata?.filterMetadata[LB_METADATA_NAMESPACE]?.[DESTINATION_SERVED_HEADER];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Dynamic metadata carrying the pick: `{"envoy.lb": {"x-gateway-destination-endpoint": list}}`. */
export function destinationMetadata(destinations: string): JsonObject {
  return { [LB_METADATA_NAMESPACE]: { [DESTINATION_ENDPOINT_HEADER]: destinations } };
}
