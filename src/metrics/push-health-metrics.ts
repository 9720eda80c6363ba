/**
 * Ours (upstream scrapes instead of receiving pushes, and has no passive health): snapshots accepted
 * and refused, the age of each producer's last push, outlier ejections, and the buffered request-body
 * bytes. Registered by RouterMetrics.
 */
import type { MetricsRegistry } from "./registry.js";

export class PushHealthMetrics {
  readonly pushes;
  readonly refusedPushes;
  readonly pushAge;
  readonly ejections;
  readonly ejected;
  readonly bufferedBodyBytes;

  constructor(r: MetricsRegistry) {
    // Ours: the push side of the router (upstream scrapes instead of receiving pushes).
    this.pushes = r.counter(
      "inference_router_pushes_total",
      "Snapshots accepted from each producer (source) for each pool.",
      ["pool", "source"],
    );
    this.refusedPushes = r.counter(
      "inference_router_pushes_refused_total",
      "Snapshots refused, by Connect error code.",
      ["code"],
    );
    this.pushAge = r.gauge(
      "inference_router_last_push_age_seconds",
      "Seconds since the router received the last snapshot from each producer (source) of each pool.",
      ["pool", "source"],
    );
    // Ours (passive health, Envoy's envoy_cluster_outlier_detection_ejections_* in spirit).
    this.ejections = r.counter(
      "inference_extension_outlier_ejections_total",
      "Endpoints ejected from picks because a connection to them failed or was reset.",
      ["pool"],
    );
    this.ejected = r.gauge(
      "inference_extension_ejected_endpoints",
      "Endpoints currently ejected from picks (passive health).",
      ["pool"],
    );
    this.bufferedBodyBytes = r.gauge(
      "inference_extension_buffered_request_body_bytes",
      "Request-body bytes buffered right now across every request in flight (limit: limits.maxBufferedBodyBytes).",
    );
  }

  /** Reads the ejected-endpoint counts and the buffered body bytes at every scrape. */
  watch(
    registry: MetricsRegistry,
    source: { ejectedCounts(): ReadonlyMap<string, number>; readonly bufferedBodyBytes: number },
  ): void {
    registry.onCollect(() => {
      this.ejected.reset();
      for (const [pool, n] of source.ejectedCounts()) this.ejected.labels(pool).set(n);
      this.bufferedBodyBytes.labels().set(source.bufferedBodyBytes);
    });
  }
}
