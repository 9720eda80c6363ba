/**
 * OpenTelemetry tracing for `serve`: the official SDK (sdk-trace-base) batching spans to an OTLP/HTTP
 * exporter (JSON), when RouterConfig `spec.tracing.otlpEndpoint` is set. src/ makes the spans through
 * @opentelemetry/api only; this file gives it a tracer (src/tracing/request-trace.ts routerTracing).
 */
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { RouterConfig } from "../../src/api/router-config.js";
import { routerTracing } from "../../src/tracing/request-trace.js";

/** Tracing in force; `shutdown` exports what is still batched, then turns tracing off. */
export interface Tracing {
  /** Where spans go (the URL POSTed to). */
  readonly url: string;
  /** Exports every span ended so far. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The traces URL for an OTLP endpoint: a URL without a path gets /v1/traces appended (as the
 * OTEL_EXPORTER_OTLP_ENDPOINT convention does); one with a path is used as it is.
 */
export function otlpTracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/v1/traces";
  return url.toString();
}

/**
 * Starts exporting when `config.otlpEndpoint` is set and gives src/ its tracer; undefined (and
 * tracing stays off, at no cost per request) when it is not.
 */
export function startTracing(config: RouterConfig["tracing"]): Tracing | undefined {
  if (config.otlpEndpoint === undefined) return undefined;
  const url = otlpTracesUrl(config.otlpEndpoint);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  const tracer = provider.getTracer("inference-router");
  routerTracing.tracer = tracer;
  return {
    url,
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (routerTracing.tracer === tracer) routerTracing.tracer = undefined;
      await provider.shutdown();
    },
  };
}
