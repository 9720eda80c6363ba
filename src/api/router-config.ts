/**
 * RouterConfig: the router's own settings (listeners, auth, limits, state freshness, scheduler choice,
 * proxy timeouts, edge push). At most one per config set; every field has a default, and every object is
 * strict so a misspelt key is an error that names it.
 */
import { z } from "zod";
import { optionalNameMetadataSchema } from "./names.js";

/** apiVersion of RouterConfig. */
export const ROUTER_CONFIG_V1ALPHA1 = "inference-router.dev/v1alpha1";

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
  /** Listeners. Port 0 picks a free port. */
  listen: z
    .strictObject({
      /** ConnectRPC snapshot/query API (h2c). Default 9004. */
      apiPort: listenPort(9004),
      /** OpenAI-compatible HTTP router. Default 8080. */
      httpPort: listenPort(8080),
      /** Envoy ext_proc gRPC. Default 9002. */
      extprocPort: listenPort(9002),
      /** gRPC health. Default 9003. */
      healthPort: listenPort(9003),
      /** Prometheus metrics. Default 9090. */
      metricsPort: listenPort(9090),
      /** Bind address. Default "0.0.0.0". */
      host: z.string().min(1).default("0.0.0.0"),
    })
    .prefault({}),
  /** Bearer tokens; the *File variants name files the runtime reads. None set = no auth. */
  auth: z
    .strictObject({
      pushToken: z.string().min(1).optional(),
      readToken: z.string().min(1).optional(),
      pushTokenFile: z.string().min(1).optional(),
      readTokenFile: z.string().min(1).optional(),
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
      maxMessageBytes: positiveInt(4 * 1024 * 1024),
      /** Largest request body the router buffers. Default 32 MiB. */
      maxBodyBytes: positiveInt(32 * 1024 * 1024),
      /** Most endpoints in one pushed snapshot. Default 10000. */
      maxEndpointsPerSnapshot: positiveInt(10_000),
    })
    .prefault({}),
  /** Freshness of pushed endpoint state (milliseconds). */
  state: z
    .strictObject({
      /** After this long without a push an endpoint is stale (not fresh). Default 2000 ms. */
      stalenessMs: positiveInt(2000),
      /** After this long without a push an endpoint is dropped. Default 60000 ms. */
      expiryMs: positiveInt(60_000),
      /** How often expired endpoints are swept. Default 500 ms. */
      sweepIntervalMs: positiveInt(500),
    })
    .superRefine((state, ctx) => {
      if (state.expiryMs < state.stalenessMs) {
        ctx.addIssue({ code: "custom", path: ["expiryMs"], message: "must be at least stalenessMs" });
      }
    })
    .prefault({}),
  /** Which scheduler configuration to use; unset = the built-in default profile. */
  scheduler: z
    .strictObject({
      /** Name of an EndpointPickerConfig in the same config set. */
      configRef: z.string().min(1).optional(),
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
      initialConnectionWindowSize: http2Window(16 * 1024 * 1024),
      /** Per stream (one request's body chunks in flight). Default 1 MiB. */
      initialStreamWindowSize: http2Window(1024 * 1024),
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
        .default("FULL_DUPLEX_STREAMED"),
    })
    .prefault({}),
  /** Forwarding (standalone router). Milliseconds. */
  proxy: z
    .strictObject({
      /** Default 2000 ms. */
      connectTimeoutMs: positiveInt(2000),
      /** Time to the first response byte. Default 60000 ms. */
      firstByteTimeoutMs: positiveInt(60_000),
      /** Longest silence while streaming. Default 60000 ms. */
      idleTimeoutMs: positiveInt(60_000),
      /** Endpoints tried per request, first pick included (1..16). Default 3. */
      maxAttempts: z.int().min(1).max(16).default(3),
    })
    .prefault({}),
  /** Multi-region: push this region's summary to an edge router. */
  edge: z
    .strictObject({
      push: z
        .strictObject({
          /** Base URL of the edge's Connect API. */
          url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
          token: z.string().min(1).optional(),
          /** Push period. Default 1000 ms. */
          intervalMs: positiveInt(1000),
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
 * The settings used when no RouterConfig is given: ports api 9004, http 8080, extproc 9002, health 9003,
 * metrics 9090 on 0.0.0.0; no auth; 4 MiB messages, 32 MiB bodies, 10000 endpoints per snapshot;
 * staleness 2000 ms, expiry 60000 ms, sweep 500 ms; proxy connect 2000 ms, first byte 60000 ms, idle
 * 60000 ms, 3 attempts; no edge push. Returns a fresh object each call.
 */
export function defaultRouterConfig(): RouterConfig {
  return routerConfigSpecSchema.parse({});
}

/** Normalizes a parsed RouterConfig document to its settings. */
export function routerConfigFromDoc(doc: z.output<typeof routerConfigSchema>): RouterConfig {
  return doc.spec;
}
