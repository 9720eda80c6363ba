/**
 * The request-path answer that carries a pick: the destination list as a header (raw_value) and as
 * `envoy.lb` dynamic metadata, x-request-id, content-length of the forwarded body, client-supplied
 * subset/served headers removed, and the route cache cleared; then the body.
 */
import type { ProcessingResponse } from "../gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { PREFILLER_HOST_PORT_HEADER } from "../scheduling/disagg-headers.js";
import { setHeader } from "./header-map.js";
import { destinationMetadata } from "./metadata.js";
import { bufferedBodyReply, headersReply, type Mutation, pushChunks } from "./replies.js";
import type { BodyMode } from "./response-tap.js";
import {
  DESTINATION_ENDPOINT_HEADER,
  DESTINATION_SERVED_HEADER,
  DESTINATION_SUBSET_HEADER,
} from "./system-headers.js";

/** What to send for one pick. `body` undefined = a request without a body. */
export interface Pick {
  /** "ip:port[,ip:port...]", primary first. */
  destinations: string;
  requestId: string;
  body?: Uint8Array;
  bodyChanged?: boolean;
  /** `traceparent` (and `tracestate`) for the upstream request: the router's span as its parent. */
  trace?: Readonly<Record<string, string>>;
  /** Disaggregated serving: the prefill endpoint, sent as x-prefiller-host-port (else a client's is removed). */
  prefiller?: string;
}

function mutation(pick: Pick): Mutation {
  const set = [
    setHeader(DESTINATION_ENDPOINT_HEADER, pick.destinations),
    setHeader("x-request-id", pick.requestId),
  ];
  if (pick.body) set.push(setHeader("content-length", String(pick.body.length)));
  if (pick.trace) for (const name in pick.trace) set.push(setHeader(name, pick.trace[name]!));
  const remove = [DESTINATION_SUBSET_HEADER, DESTINATION_SERVED_HEADER];
  if (pick.prefiller !== undefined) set.push(setHeader(PREFILLER_HOST_PORT_HEADER, pick.prefiller));
  else remove.push(PREFILLER_HOST_PORT_HEADER);
  return { set, remove };
}

/**
 * FULL_DUPLEX_STREAMED: one headers reply, then the body in chunks (end_of_stream on the last when
 * `endOfStream`). BUFFERED: one body reply carrying the mutation, replacing the body only if it changed.
 */
export function pickReplies(pick: Pick, mode: BodyMode, endOfStream: boolean): ProcessingResponse[] {
  const metadata = destinationMetadata(pick.destinations);
  if (pick.body && mode === "BUFFERED") {
    const replaced = pick.bodyChanged ? pick.body : undefined;
    return [bufferedBodyReply("request", replaced, mutation(pick), true, metadata)];
  }
  const out = [headersReply("request", mutation(pick), true, metadata)];
  if (pick.body) pushChunks(out, "request", pick.body, endOfStream);
  return out;
}
