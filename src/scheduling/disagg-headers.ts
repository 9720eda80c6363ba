/**
 * Request headers of disaggregated serving (upstream llm-d `pkg/common/routing/common.go`): written by
 * the router for the decode endpoint's sidecar. Both front doors set them (ext_proc as a header
 * mutation, the HTTP router on the forwarded request) and drop any value a client sent.
 */

/** `ip:port` of the endpoint that runs the request's prefill; absent = the decode endpoint prefills. */
export const PREFILLER_HOST_PORT_HEADER = "x-prefiller-host-port";

/** Headers of this kind a client may not set. */
export const DISAGG_REQUEST_HEADERS: readonly string[] = [PREFILLER_HOST_PORT_HEADER];
