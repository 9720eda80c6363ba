/**
 * Peer sharing as Prometheus sees it (`serve --peers`): per peer, the in-flight reports this replica
 * sent and failed to send (labelled by the peer's URL, as --peers lists or resolves it), the reports it
 * received and refused (labelled by the sender's peer id, its `source`), and how long ago each peer
 * last reported. Named like the push metrics beside them (inference_router_pushes_total,
 * inference_router_last_push_age_seconds): upstream has no peer sharing, so these are ours.
 */
import type { Code } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { MetricsRegistry } from "./registry.js";
import type { PoolSource } from "./router-metrics.js";

/** Distinct peers a label keeps before folding new ones into `other` (a replica set is small; a bad client is not). */
export const MAX_PEER_LABEL_VALUES = 100;

/** Longest peer id kept in a label (a refused report's source is unchecked). */
const MAX_SOURCE_CHARS = 253;

/** The hooks the publisher (sending) and the Connect service (receiving) call. */
export interface PeerMetrics {
  /** A report to the peer at `url` was accepted. */
  sent(url: string): void;
  /** A report to the peer at `url` failed or was refused (labelled "unavailable", "unauthenticated", ...). */
  sendFailed(url: string, code: Code): void;
  /** A report from peer `source` was accepted. */
  received(source: string): void;
  /** A report from peer `source` was refused (labelled "failed_precondition", "invalid_argument", ...). */
  refused(source: string, code: Code): void;
}

/**
 * Registers the peer metrics on `registry`; the age gauge is computed at every scrape from the peers
 * the pools hold (`source`), so a peer that stops reporting shows a growing age until it expires.
 *
 * @example
 * const peers = createPeerMetrics(core.metrics.registry, store);
 * peers.received("peer-router-0-1a2b3c4d");
 * // inference_router_peer_reports_received_total{source="peer-router-0-1a2b3c4d"} 1
 */
export function createPeerMetrics(registry: MetricsRegistry, source: PoolSource): PeerMetrics {
  const capped = (label: string) => ({ cappedLabels: [label], maxLabelValues: MAX_PEER_LABEL_VALUES });
  const sent = registry.counter(
    "inference_router_peer_reports_sent_total",
    "In-flight reports this replica sent to each peer (by the peer's URL) and the peer accepted.",
    ["peer_url"],
    capped("peer_url"),
  );
  const sendFailed = registry.counter(
    "inference_router_peer_reports_send_failures_total",
    "In-flight reports to each peer (by the peer's URL) that failed or were refused, by Connect error code.",
    ["peer_url", "code"],
    capped("peer_url"),
  );
  const received = registry.counter(
    "inference_router_peer_reports_received_total",
    "In-flight reports accepted from each peer (by its peer id, the report's source).",
    ["source"],
    capped("source"),
  );
  const refused = registry.counter(
    "inference_router_peer_reports_refused_total",
    "In-flight reports refused from each peer (by the source it gave), by Connect error code.",
    ["source", "code"],
    capped("source"),
  );
  const age = registry.gauge(
    "inference_router_peer_last_report_age_seconds",
    "Seconds since this replica accepted the last in-flight report from each peer (by its peer id).",
    ["source"],
    capped("source"),
  );
  registry.onCollect(() => {
    age.reset();
    const now = source.clock?.now() ?? Date.now();
    // Every pool lists the same peers; take each peer once, at its latest report.
    const latest = new Map<string, number>();
    for (const pool of source.pools()) {
      for (const s of pool.sources) {
        if (s.kind !== "peer") continue;
        latest.set(s.source, Math.max(latest.get(s.source) ?? s.receivedAt, s.receivedAt));
      }
    }
    for (const [peer, at] of latest) age.labels(peer).set(Math.max(0, (now - at) / 1000));
  });
  const sourceLabel = (s: string) => (s === "" ? "(missing)" : s.slice(0, MAX_SOURCE_CHARS));
  return {
    sent: (url) => sent.labels(url).inc(),
    sendFailed: (url, code) => sendFailed.labels(url, codeToString(code)).inc(),
    received: (s) => received.labels(sourceLabel(s)).inc(),
    refused: (s, code) => refused.labels(sourceLabel(s), codeToString(code)).inc(),
  };
}
