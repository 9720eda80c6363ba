/** Header and metadata names of the ext_proc contract (upstream endpoint picker names). */

/** The pick: `ip:port[,ip:port...]`, primary first. Set as a header and as dynamic metadata. */
export const DESTINATION_ENDPOINT_HEADER = "x-gateway-destination-endpoint";
/** Subset hint key inside the `envoy.lb.subset_hint` filter metadata. */
export const DESTINATION_SUBSET_HEADER = "x-gateway-destination-endpoint-subset";
/** The endpoint Envoy actually served, inside `envoy.lb` filter metadata on the response path. */
export const DESTINATION_SERVED_HEADER = "x-gateway-destination-endpoint-served";
/** Namespace of the pick in dynamic metadata, and of the served endpoint in filter metadata. */
export const LB_METADATA_NAMESPACE = "envoy.lb";
/** Namespace of the subset hint in filter metadata. */
export const SUBSET_HINT_NAMESPACE = "envoy.lb.subset_hint";
/** Set on every response-headers reply (upstream does the same; tests and operators look for it). */
export const WENT_INTO_RESPONSE_HEADERS = "x-went-into-resp-headers";

/** Client-supplied values that are removed so a client cannot choose its own endpoint. */
export const CLIENT_SYSTEM_HEADERS: readonly string[] = [
  DESTINATION_ENDPOINT_HEADER,
  DESTINATION_SUBSET_HEADER,
  DESTINATION_SERVED_HEADER,
];

/** Envoy sends a request's largest body chunk as 64 KiB; replies stay under gRPC/Envoy limits at this size. */
export const MAX_CHUNK_BYTES = 62_000;
