/** Flags of `inference-router serve`. Each has an environment twin (INFERENCE_ROUTER_<NAME>). */
import { listenHelp, routerDefaults } from "../../src/api/router-config.js";
import type { FlagSpec } from "./flags.js";

type ListenKey = keyof typeof routerDefaults.listen;

/** A flag overriding RouterConfig `spec.listen.<key>`: default and help text come from the RouterConfig. */
function listenFlag(name: string, key: ListenKey, aliases?: readonly string[]): FlagSpec {
  const spec: FlagSpec = {
    name,
    type: key === "host" ? "string" : "port",
    default: String(routerDefaults.listen[key]),
    help: `${listenHelp[key]} (RouterConfig spec.listen.${key})`,
  };
  if (aliases !== undefined) spec.aliases = aliases;
  return spec;
}

export const serveFlags: readonly FlagSpec[] = [
  {
    name: "config",
    type: "string",
    help: "Config file or directory of Kubernetes YAML (InferencePool, RouterConfig, ...)",
  },
  listenFlag("host", "host"),
  listenFlag("api-port", "apiPort"),
  listenFlag("http-port", "httpPort"),
  listenFlag("extproc-port", "extprocPort", ["grpc-port"]),
  listenFlag("health-port", "healthPort", ["grpc-health-port"]),
  listenFlag("metrics-port", "metricsPort"),
  {
    name: "pool-name",
    type: "string",
    help: "InferencePool the ext_proc picker serves (default: the only pool in the config)",
  },
  {
    name: "secure-serving",
    type: "boolean",
    help:
      "ext_proc over TLS (the upstream picker's flag; its default is on, ours is h2c): the certificate from" +
      " --cert-path, else a self-signed one made at start",
  },
  {
    name: "cert-path",
    type: "string",
    help:
      "ext_proc TLS certificate: a directory with tls.crt and tls.key (the upstream layout), or a PEM file" +
      " with --key-path; implies TLS",
  },
  { name: "key-path", type: "string", help: "TLS private key (PEM) when --cert-path is a file" },
  {
    name: "enable-cert-reload",
    type: "boolean",
    help: "Watch the --cert-path files and serve a changed certificate to new connections (upstream's flag)",
  },
  {
    name: "extproc-transport",
    type: "string",
    default: "h2",
    help:
      "ext_proc gRPC server: h2 (gRPC framing on node:http2; ~1/4 of connect's CPU per request, needed for the" +
      " issue's throughput/latency/memory targets) | connect (connect-node); same gRPC wire protocol",
  },
  {
    name: "push-token",
    type: "string",
    secret: true,
    help: "Bearer token required on PushSnapshot (overrides auth.pushToken); empty is refused",
  },
  {
    name: "read-token",
    type: "string",
    secret: true,
    help: "Bearer token required on reads (overrides auth.readToken); empty is refused",
  },
  {
    name: "allow-unauthenticated-push",
    type: "boolean",
    default: String(routerDefaults.auth.allowUnauthenticatedPush),
    help:
      "Listen beyond loopback with no push token: anyone who reaches the API port can push pool state" +
      " (RouterConfig spec.auth.allowUnauthenticatedPush)",
  },
  {
    name: "peers",
    type: "string",
    help:
      "Other router replicas' API URLs, comma-separated, or a headless Service name resolving to all of them" +
      " (e.g. http://router-peers:9004): share in-flight counts so the replicas route as one (default off)",
  },
  {
    name: "peer-interval",
    type: "duration",
    default: "50ms",
    help: "Shortest time between in-flight reports to each peer (sent when they change; 500 ms heartbeat)",
  },
  {
    name: "peer-prefix-blocks",
    type: "int",
    default: "32",
    help:
      "Most prefix blocks per endpoint per second told to each peer (where this replica placed prompts, so" +
      " the replicas' prefix indexes agree); 0 = share in-flight counts only, at most 1024",
  },
  {
    name: "peer-resolve-interval",
    type: "duration",
    default: "5s",
    help: "How often a name in --peers is looked up again (replicas join and leave); 0 = use it as is",
  },
  { name: "log-level", type: "string", default: "info", help: "debug | info | warn | error" },
];
