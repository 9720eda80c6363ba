/**
 * The ext_proc picker's own families: its per-message processing time, its streams (open, lifetime,
 * final code; upstream's names) and its HTTP/2 connection events (ours). Registered by RouterMetrics,
 * which the ext_proc transport and sessions report through.
 */
import { SCHEDULER_LATENCY_BUCKETS, STREAM_DURATION_BUCKETS } from "./buckets.js";
import { eppFamilies, named } from "./epp-names.js";
import type { MetricsRegistry } from "./registry.js";

export class ExtProcMetrics {
  readonly extprocConnectionEvents;
  readonly requestProcessing;
  readonly responseProcessing;
  readonly streamsInFlight;
  readonly streamDuration;
  readonly streams;

  constructor(r: MetricsRegistry) {
    const f = eppFamilies(r);
    // Ours: what happened to ext_proc connections (issue #19: Envoy resets every side stream).
    this.extprocConnectionEvents = r.counter(
      "inference_extension_extproc_connection_events_total",
      "ext_proc HTTP/2 connection events: retired (closed gracefully before the rapid-reset limit), goaway (sent by the client), error; by HTTP/2 error code name.",
      ["event", "code"],
    );
    this.requestProcessing = f.histogram(
      named(
        "request_processing_duration_seconds",
        undefined,
        "Time the endpoint picker spent processing one request-phase ext_proc message, in seconds.",
      ),
      [],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.responseProcessing = f.histogram(
      named(
        "response_processing_duration_seconds",
        undefined,
        "Time the endpoint picker spent processing one response-phase ext_proc message, in seconds.",
      ),
      [],
      SCHEDULER_LATENCY_BUCKETS,
    );
    this.streamsInFlight = f.gauge(
      named("extproc_streams_inflight", undefined, "Number of ext_proc streams currently open."),
    );
    this.streamDuration = f.histogram(
      named("extproc_stream_duration_seconds", undefined, "Lifetime of ext_proc streams, in seconds."),
      [],
      STREAM_DURATION_BUCKETS,
    );
    this.streams = f.counter(
      named(
        "extproc_streams_total",
        undefined,
        "Total number of ext_proc streams by final gRPC status code.",
      ),
      ["code"],
    );
  }

  /** One ext_proc connection event (`event`: retired, goaway, error; `code`: the HTTP/2 error code's name). */
  countConnectionEvent(event: string, code: string): void {
    this.extprocConnectionEvents.labels(event, code).inc();
  }

  streamOpened(): void {
    this.streamsInFlight.labels().inc();
  }

  streamClosed(code: string, seconds: number): void {
    this.streamsInFlight.labels().dec();
    this.streamDuration.labels().observe(seconds);
    this.streams.labels(code).inc();
  }
}
