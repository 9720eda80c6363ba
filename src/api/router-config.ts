/**
 * RouterConfig: the router's own settings (listeners, auth, limits, state freshness, scheduler choice,
 * proxy timeouts, edge push). At most one per config set; every field has a default, and every object is
 * strict so a misspelt key is an error that names it.
 */
import { z } from "zod";
import { type EnginePriorityMode, enginePriorityModes } from "../proxy/engine-priority.js";
import { builtinSchedulerNames } from "../scheduling/config/default-config.js";
import { optionalNameMetadataSchema } from "./names.js";

/** apiVersion of RouterConfig. */
export const ROUTER_CONFIG_V1ALPHA1 = "inference-router.dev/v1alpha1";

/** Largest request body the router buffers, in bytes, unless `spec.limits.maxBodyBytes` says otherwise: 32 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Every RouterConfig default, stated once: the schema below fills them, the CLI flags show them in
 * `--help`, and the proxy, the ext_proc processor and the edge read their defaults from here.
 */
export const routerDefaults = {
  listen: {
    apiPort: 9004,
    httpPort: 8080,
    extprocPort: 9002,
    healthPort: 9003,
    metricsPort: 9090,
    host: "0.0.0.0",
  },
  limits: {
    maxMessageBytes: 4 * 1024 * 1024,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    maxEndpointsPerSnapshot: 10_000,
    maxSourcesPerPool: 1000,
    bodyReadTimeoutMs: 30_000,
    maxBufferedBodyBytes: 512 * 1024 * 1024,
  },
  state: {
    stalenessMs: 2000,
    expiryMs: 60_000,
    sweepIntervalMs: 500,
    staleEndpoints: "saturated",
    maxClockSkewMs: 5000,
  },
  auth: { allowUnauthenticatedPush: false },
  extproc: {
    initialConnectionWindowSize: 16 * 1024 * 1024,
    initialStreamWindowSize: 1024 * 1024,
    bodyMode: "FULL_DUPLEX_STREAMED",
  },
  proxy: {
    connectTimeoutMs: 2000,
    firstByteTimeoutMs: 60_000,
    idleTimeoutMs: 60_000,
    maxAttempts: 3,
    trustedHeaders: [] as readonly string[],
    outlierDetection: { baseEjectionMs: 5000, maxEjectionMs: 60_000 },
    enginePriority: "off" as EnginePriorityMode,
  },
  edgePush: { intervalMs: 1000 },
} as const;

/**
 * Request headers that change where a request goes beyond the operator's config, so the HTTP router
 * drops them from clients unless RouterConfig `spec.proxy.trustedHeaders` lists them. The objective
 * header (`x-gateway-inference-objective`) is not here: it is upstream's client-facing header.
 */
export const TRUSTABLE_HEADERS = ["x-gateway-model-name-rewrite"] as const;

/** What each listener serves: the `spec.listen` field docs, and the help text of the matching CLI flags. */
export const listenHelp: Readonly<Record<keyof typeof routerDefaults.listen, string>> = {
  apiPort: "Connect/gRPC/gRPC-Web API (HTTP/1.1 and h2c); 0 = any free port",
  httpPort: "OpenAI-compatible HTTP router",
  extprocPort: "Envoy ext_proc gRPC",
  healthPort: "gRPC health (grpc.health.v1)",
  metricsPort: "Prometheus /metrics, /healthz, /readyz",
  host: "Address every listener binds",
};

const LISTEN_PORT_RULE = "must be between 0 and 65535 (0 picks a free port)";
const listenPort = (port: number) =>
  z.int().min(0, { error: LISTEN_PORT_RULE }).max(65535, { error: LISTEN_PORT_RULE }).default(port);
const positiveInt = (value: number) => z.int().min(1).default(value);
const HTTP2_WINDOW_RULE = "must be between 65535 and 2147483647 (HTTP/2 window sizes)";
const http2Window = (value: number) =>
  z
    .int()
    .min(65_535, { error: HTTP2_WINDOW_RULE })
    .max(2 ** 31 - 1, { error: HTTP2_WINDOW_RULE })
    .default(value);

/** The `spec` of a RouterConfig; parsing `{}` yields {@link defaultRouterConfig}. */
export const routerConfigSpecSchema = z.strictObject({
  /** Listeners ({@link listenHelp}). Port 0 picks a free port. */
  listen: z
    .strictObject({
      /** Default 9004. */
      apiPort: listenPort(routerDefaults.listen.apiPort),
      /** Default 8080. */
      httpPort: listenPort(routerDefaults.listen.httpPort),
      /** Default 9002. */
      extprocPort: listenPort(routerDefaults.listen.extprocPort),
      /** Default 9003. */
      healthPort: listenPort(routerDefaults.listen.healthPort),
      /** Default 9090. */
      metricsPort: listenPort(routerDefaults.listen.metricsPort),
      /** Default "0.0.0.0". */
      host: z.string().min(1).default(routerDefaults.listen.host),
    })
    .prefault({}),
  /**
   * Bearer tokens; the *File variants name files the runtime reads. A token set but empty (or a file
   * holding only whitespace) is a start-up error. No push token = no auth on pushes, which `serve`
   * allows only on a loopback host unless `allowUnauthenticatedPush` is true.
   */
  auth: z
    .strictObject({
      pushToken: z.string().min(1).optional(),
      readToken: z.string().min(1).optional(),
      pushTokenFile: z.string().min(1).optional(),
      readTokenFile: z.string().min(1).optional(),
      /**
       * Listen beyond loopback (host other than 127.0.0.1, ::1, localhost) with no push token, so anyone
       * who reaches the API port can push pool state. Default false: `serve` refuses to start.
       */
      allowUnauthenticatedPush: z.boolean().default(routerDefaults.auth.allowUnauthenticatedPush),
    })
    .superRefine((auth, ctx) => {
      for (const kind of ["push", "read"] as const) {
        if (auth[`${kind}Token`] !== undefined && auth[`${kind}TokenFile`] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [`${kind}TokenFile`],
            message: `set ${kind}Token or ${kind}TokenFile, not both`,
          });
        }
      }
    })
    .prefault({}),
  /** Size limits (bytes, counts). */
  limits: z
    .strictObject({
      /** Largest RPC message accepted. Default 4 MiB. */
      maxMessageBytes: positiveInt(routerDefaults.limits.maxMessageBytes),
      /** Largest request body the router buffers. Default 32 MiB. */
      maxBodyBytes: positiveInt(routerDefaults.limits.maxBodyBytes),
      /** Most endpoints in one pushed snapshot. Default 10000. */
      maxEndpointsPerSnapshot: positiveInt(routerDefaults.limits.maxEndpointsPerSnapshot),
      /**
       * Most sources (producers, by their `source` name) one pool remembers; a push from one more is
       * refused with ResourceExhausted. A source is forgotten `state.expiryMs` after its last push.
       * Default 1000.
       */
      maxSourcesPerPool: positiveInt(routerDefaults.limits.maxSourcesPerPool),
      /**
       * Time a client has to send a whole request body to the HTTP router, from its request head; a
       * client still sending after it gets 408 and its connection is closed. Default 30000 ms.
       */
      bodyReadTimeoutMs: positiveInt(routerDefaults.limits.bodyReadTimeoutMs),
      /**
       * Request-body bytes buffered at once across every request in flight (HTTP router and ext_proc
       * picker together); a body that would go past it is refused with 503 (ext_proc: an immediate
       * 503). Bytes count from arrival to the end of their request. Default 512 MiB.
       */
      maxBufferedBodyBytes: positiveInt(routerDefaults.limits.maxBufferedBodyBytes),
    })
    .prefault({}),
  /** Freshness of pushed endpoint state (milliseconds). */
  state: z
    .strictObject({
      /** After this long without a push an endpoint is stale (not fresh). Default 2000 ms. */
      stalenessMs: positiveInt(routerDefaults.state.stalenessMs),
      /** After this long without a push an endpoint is dropped. Default 60000 ms. */
      expiryMs: positiveInt(routerDefaults.state.expiryMs),
      /** How often expired endpoints are swept. Default 500 ms. */
      sweepIntervalMs: positiveInt(routerDefaults.state.sweepIntervalMs),
      /**
       * When no fresh endpoint can serve a request (every producer went quiet): "saturated" (default)
       * picks among the stale ones, each counted as saturated (so sheddable requests are shed), and
       * counts inference_extension_stale_endpoint_picks_total; "exclude" answers 503.
       */
      staleEndpoints: z
        .enum(["saturated", "exclude"], { error: "must be saturated or exclude" })
        .default(routerDefaults.state.staleEndpoints),
      /**
       * How far a push's observedAt may be ahead of the router's clock before the push is refused
       * (InvalidArgument): a future observedAt would read as fresh for longer than it is. Default 5000 ms.
       */
      maxClockSkewMs: z.int().min(0).default(routerDefaults.state.maxClockSkewMs),
    })
    .superRefine((state, ctx) => {
      if (state.expiryMs < state.stalenessMs) {
        ctx.addIssue({ code: "custom", path: ["expiryMs"], message: "must be at least stalenessMs" });
      }
    })
    .prefault({}),
  /**
   * Which scheduler configuration runs (src/api/scheduler-selection.ts). Unset: the set's only
   * EndpointPickerConfig, or the built-in default profile when it has none; several need a configRef.
   * `builtin` names a built-in config instead of the set's EndpointPickerConfigs (configRef wins).
   */
  scheduler: z
    .strictObject({
      /** Name of an EndpointPickerConfig in the same config set. */
      configRef: z.string().min(1).optional(),
      /**
       * A built-in config: "default" (ours, chosen on the routing-quality matrix) or "upstream-default"
       * (upstream's queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3). Unset =
       * "default" when the set holds no EndpointPickerConfig.
       */
      builtin: z.enum(builtinSchedulerNames).optional(),
      /** Profile to run from that config; unset = its first profile. */
      profile: z.string().min(1).optional(),
    })
    .prefault({}),
  /**
   * The ext_proc listener. Its HTTP/2 receive windows, in bytes (Envoy's http2_protocol_options names):
   * how much Envoy may send on a connection, and on one stream, before the picker has read it. Node's
   * default of 64 KiB for a whole connection held 1,000 streams of 4 KiB bodies to ~15 at a time and
   * starved some of them for seconds (see the README, "Envoy"). And the body mode. Read at start.
   */
  extproc: z
    .strictObject({
      /** Per connection (all streams). Default 16 MiB, the most grpc-go's window grows to. */
      initialConnectionWindowSize: http2Window(routerDefaults.extproc.initialConnectionWindowSize),
      /** Per stream (one request's body chunks in flight). Default 1 MiB. */
      initialStreamWindowSize: http2Window(routerDefaults.extproc.initialStreamWindowSize),
      /**
       * The request_body_mode Envoy's ext_proc filter is configured with (ProcessingMode.BodySendMode
       * names): FULL_DUPLEX_STREAMED (default, as upstream: the pick on a headers reply, the body back
       * as streamed chunks) or BUFFERED (headers answered at once, the pick on the body reply, the body
       * replaced only when it changed). Both ends must agree.
       */
      bodyMode: z
        .enum(["FULL_DUPLEX_STREAMED", "BUFFERED"], {
          error: "must be FULL_DUPLEX_STREAMED or BUFFERED (Envoy's request_body_mode)",
        })
        .default(routerDefaults.extproc.bodyMode),
    })
    .prefault({}),
  /** Forwarding (standalone router). Milliseconds. */
  proxy: z
    .strictObject({
      /** Default 2000 ms. */
      connectTimeoutMs: positiveInt(routerDefaults.proxy.connectTimeoutMs),
      /** Time to the first response byte. Default 60000 ms. */
      firstByteTimeoutMs: positiveInt(routerDefaults.proxy.firstByteTimeoutMs),
      /** Longest silence while streaming. Default 60000 ms. */
      idleTimeoutMs: positiveInt(routerDefaults.proxy.idleTimeoutMs),
      /** Endpoints tried per request, first pick included (1..16). Default 3. */
      maxAttempts: z.int().min(1).max(16).default(routerDefaults.proxy.maxAttempts),
      /**
       * Request headers the HTTP router takes from its clients although they steer routing past the
       * operator's rules (see {@link TRUSTABLE_HEADERS}); any other listed name is refused. Default []:
       * a client's `x-gateway-model-name-rewrite` is ignored. List it only behind a proxy that sets or
       * strips it. (The ext_proc picker reads it as upstream does: Envoy's side must strip it.)
       */
      trustedHeaders: z
        .array(
          z
            .string()
            .toLowerCase()
            .refine((h) => (TRUSTABLE_HEADERS as readonly string[]).includes(h), {
              error: `must be one of: ${TRUSTABLE_HEADERS.join(", ")}`,
            }),
        )
        .default([...routerDefaults.proxy.trustedHeaders]),
      /**
       * Passive health (Envoy's outlier_detection names): an endpoint whose connection failed or was
       * reset is skipped by every pick for `baseEjectionMs`, doubled on each further ejection up to
       * `maxEjectionMs`; a push observed after the failure that reports it ready ends the ejection.
       */
      outlierDetection: z
        .strictObject({
          /** Default 5000 ms. */
          baseEjectionMs: positiveInt(routerDefaults.proxy.outlierDetection.baseEjectionMs),
          /** Default 60000 ms; at least baseEjectionMs. */
          maxEjectionMs: positiveInt(routerDefaults.proxy.outlierDetection.maxEjectionMs),
        })
        .refine((o) => o.maxEjectionMs >= o.baseEjectionMs, {
          path: ["maxEjectionMs"],
          error: "must be at least baseEjectionMs",
        })
        .prefault({}),
      /**
       * Engine-side priority: write the request's priority (its InferenceObjective's) into the body's
       * `priority` field, in the engine's convention: `vllm` (negated: lower is served first; the
       * engines must run `--scheduling-policy priority`, else they answer 400), `sglang` (as is; the
       * engines must run `--enable-priority-scheduling`). Default `off`: the body is not touched.
       */
      enginePriority: z.enum(enginePriorityModes).default(routerDefaults.proxy.enginePriority),
    })
    .prefault({}),
  /** Multi-region: push this region's summary to an edge router. */
  edge: z
    .strictObject({
      push: z
        .strictObject({
          /** Base URL of the edge's Connect API, or a list of edges (each gets every push). */
          url: z.union([
            z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
            z
              .array(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }))
              .min(1, "must list at least one URL")
              .max(100, "must list at most 100 URLs"),
          ]),
          token: z.string().min(1).optional(),
          /** Push period. Default 1000 ms. */
          intervalMs: positiveInt(routerDefaults.edgePush.intervalMs),
          /** This region's name as the edge knows it. */
          region: z.string().min(1),
          /** URL the edge forwards this region's requests to. Default: this router's HTTP listener. */
          baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
          /** Where the region is, for the edge's distance estimate. */
          location: z
            .strictObject({
              latitude: z.number().min(-90).max(90).optional(),
              longitude: z.number().min(-180).max(180).optional(),
              /** Cloudflare continent code, e.g. "EU". */
              continent: z
                .string()
                .regex(/^[A-Za-z]{2}$/, "must be a two-letter continent code")
                .optional(),
              /** Cloudflare colos (IATA codes) that count as 0 km away, e.g. [FRA, AMS]. */
              colos: z
                .array(z.string().regex(/^[A-Za-z]{3}$/, "must be a three-letter IATA code"))
                .optional(),
            })
            .refine((l) => (l.latitude === undefined) === (l.longitude === undefined), {
              error: "set latitude and longitude together",
            })
            .optional(),
        })
        .optional(),
    })
    .prefault({}),
  /** The pool page on the API port. */
  ui: z
    .strictObject({
      /** Picks and refusals kept for GET /ui/decisions (a ring; 0 keeps none). Default 200. */
      recentDecisions: z.int().min(0).max(100_000).default(200),
    })
    .prefault({}),
  /**
   * OpenTelemetry tracing: spans for admission, scheduling and forwarding, exported over OTLP/HTTP
   * (JSON). Unset `otlpEndpoint` = off: no spans are made and `traceparent` is passed on untouched.
   */
  tracing: z
    .strictObject({
      /**
       * Where spans are POSTed, e.g. http://otel-collector:4318 (a URL without a path gets /v1/traces,
       * as OTEL_EXPORTER_OTLP_ENDPOINT does; one with a path is used as it is). Read at start.
       */
      otlpEndpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
      /** The `service.name` resource attribute of every span. */
      serviceName: z.string().min(1).default("inference-router"),
    })
    .prefault({}),
});

/** The router's settings with every default filled. */
export type RouterConfig = z.output<typeof routerConfigSpecSchema>;

/** The RouterConfig document (`metadata` optional; name defaults to "router"). */
export const routerConfigSchema = z.strictObject({
  apiVersion: z.literal(ROUTER_CONFIG_V1ALPHA1),
  kind: z.literal("RouterConfig"),
  metadata: optionalNameMetadataSchema("router"),
  spec: routerConfigSpecSchema.prefault({}),
});

/**
 * The settings used when no RouterConfig is given: {@link routerDefaults} (ports api 9004, http 8080,
 * extproc 9002, health 9003, metrics 9090 on 0.0.0.0; 4 MiB messages, 32 MiB bodies, 10000 endpoints per
 * snapshot, 1000 sources per pool, 30000 ms to read a body, 512 MiB of bodies buffered at once; staleness 2000 ms, expiry 60000 ms, sweep 500 ms, clock skew 5000 ms,
 * stale endpoints used as saturated when no fresh one is left; proxy connect 2000 ms, first byte 60000 ms,
 * idle 60000 ms, 3 attempts, no trusted headers, ejection 5000 ms doubling up to 60000 ms), no auth (which `serve` accepts on loopback only), no edge
 * push. Returns a fresh object each call.
 */
export function defaultRouterConfig(): RouterConfig {
  return routerConfigSpecSchema.parse({});
}

/** Normalizes a parsed RouterConfig document to its settings. */
export function routerConfigFromDoc(doc: z.output<typeof routerConfigSchema>): RouterConfig {
  return doc.spec;
}
