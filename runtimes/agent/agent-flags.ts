/** Flags of `inference-router agent`. Each has an environment twin (INFERENCE_ROUTER_<NAME>). */
import type { FlagSpec } from "../node/flags.js";

export const agentFlags: readonly FlagSpec[] = [
  { name: "engine", type: "string", help: "Model server kind: vllm | sglang | trtllm (required)" },
  {
    name: "metrics-url",
    type: "string",
    help: "The engine's Prometheus endpoint, e.g. http://127.0.0.1:8000/metrics (required)",
  },
  {
    name: "address",
    type: "string",
    help: "ip:port pushed for this endpoint, e.g. $(POD_IP):8000 (required)",
  },
  { name: "pool", type: "string", help: "InferencePool name the endpoint belongs to (required)" },
  {
    name: "push",
    type: "string",
    help:
      "Router's Connect API base URL(s), comma-separated, e.g. http://router:9004 (required); a name (a headless" +
      " Service of the router replicas) is pushed to at every address it resolves to",
  },
  {
    name: "push-resolve-interval",
    type: "duration",
    default: "5s",
    help: "How often names in --push are looked up again (replicas join and leave); 0 = push to the name as is",
  },
  { name: "token", type: "string", help: "Bearer token for PushSnapshot" },
  {
    name: "push-stream",
    type: "boolean",
    help: "Hold one StreamSnapshots call open over HTTP/2 instead of one PushSnapshot call per scrape",
  },
  { name: "interval", type: "duration", default: "100ms", help: "Time between scrapes" },
  { name: "timeout", type: "duration", default: "1s", help: "Limit on each scrape, health check and push" },
  { name: "health-url", type: "string", help: "Readiness URL (default: the metrics URL's origin + /health)" },
  { name: "source", type: "string", help: "Producer id (default agent-<address>)" },
  { name: "models", type: "string", help: "Comma-separated models served (default: any model of the pool)" },
  { name: "labels", type: "string", help: "Endpoint labels k=v,... (the pool's selector matches these)" },
  { name: "metrics-port", type: "port", help: "Serve the agent's own /metrics on this port (default off)" },
  { name: "host", type: "string", default: "0.0.0.0", help: "Address the agent's /metrics binds" },
  { name: "log-level", type: "string", default: "info", help: "debug | info | warn | error" },
];
