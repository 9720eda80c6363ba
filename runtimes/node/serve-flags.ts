/** Flags of `inference-router serve`. Each has an environment twin (INFERENCE_ROUTER_<NAME>). */
import type { FlagSpec } from "./flags.js";

export const serveFlags: readonly FlagSpec[] = [
  {
    name: "config",
    type: "string",
    help: "Config file or directory of Kubernetes YAML (InferencePool, RouterConfig, ...)",
  },
  { name: "host", type: "string", default: "0.0.0.0", help: "Address every listener binds" },
  {
    name: "api-port",
    type: "port",
    default: "9004",
    help: "Connect/gRPC/gRPC-Web API (HTTP/1.1 and h2c); 0 = any free port",
  },
  { name: "http-port", type: "port", default: "8080", help: "OpenAI-compatible HTTP router" },
  {
    name: "extproc-port",
    type: "port",
    default: "9002",
    help: "Envoy ext_proc gRPC",
    aliases: ["grpc-port"],
  },
  {
    name: "health-port",
    type: "port",
    default: "9003",
    help: "gRPC health (grpc.health.v1)",
    aliases: ["grpc-health-port"],
  },
  { name: "metrics-port", type: "port", default: "9090", help: "Prometheus /metrics, /healthz, /readyz" },
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
    help: "Bearer token required on PushSnapshot (overrides auth.pushToken)",
  },
  { name: "read-token", type: "string", help: "Bearer token required on reads (overrides auth.readToken)" },
  { name: "log-level", type: "string", default: "info", help: "debug | info | warn | error" },
];
