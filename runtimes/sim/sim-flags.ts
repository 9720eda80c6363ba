/** Flags of `inference-router sim`. Each has an environment twin (INFERENCE_ROUTER_<NAME>). */
import type { FlagSpec } from "../node/flags.js";

export const simFlags: readonly FlagSpec[] = [
  { name: "replicas", type: "int", default: "1", help: "Simulated model servers in this process" },
  {
    name: "preset",
    type: "string",
    default: "demo",
    help: "Engine preset: demo | llama2-7b-h100 | llama3-8b-h100 | llama3-8b-a100-80g | llama3-8b-l4",
  },
  { name: "host", type: "string", default: "127.0.0.1", help: "Address every replica binds" },
  {
    name: "base-port",
    type: "port",
    default: "8000",
    help: "Replica i listens on base-port + i; 0 = each picks a free port",
  },
  {
    name: "advertise-host",
    type: "string",
    help: "Host in pushed addresses and x-sim-address (default: --host; 127.0.0.1 for 0.0.0.0)",
  },
  {
    name: "models",
    type: "string",
    help: "Comma-separated base models served (others get 404); default: any model name",
  },
  {
    name: "lora-adapters",
    type: "string",
    help: "Comma-separated model names served as LoRA adapters (engine adapter slots)",
  },
  {
    name: "push",
    type: "string",
    help:
      "Router API URL(s) to push snapshots to, comma-separated, e.g. http://127.0.0.1:9004; a name (a headless" +
      " Service) is pushed to at every address it resolves to",
  },
  {
    name: "push-resolve-interval",
    type: "duration",
    default: "5s",
    help: "How often names in --push are looked up again (replicas join and leave); 0 = push to the name as is",
  },
  { name: "pool", type: "string", help: "InferencePool the snapshots are for (required with --push)" },
  { name: "interval", type: "duration", default: "100ms", help: "Push interval" },
  { name: "token", type: "string", help: "Bearer token for PushSnapshot" },
  {
    name: "source",
    type: "string",
    help: "Source id prefix; replica i pushes as <source>-<i> (default sim-<ip:port>)",
  },
  { name: "labels", type: "string", help: "Endpoint labels k=v,k=v in snapshots (default app=<pool>)" },
  {
    name: "roles",
    type: "string",
    help: "Disaggregated serving: roles prefill|decode|both, comma-separated, cycled over the replicas (pushed as llm-d.ai/role)",
  },
  {
    name: "kv-link-gbps",
    type: "string",
    default: "400",
    help: "KV transfer link of a decode replica to its prefiller, Gb/s",
  },
  { name: "seed", type: "int", default: "1", help: "Seed of the fault draws and step jitter" },
  { name: "time-scale", type: "string", default: "1", help: "Wall ms per simulated ms (2 = twice as slow)" },
  { name: "num-blocks", type: "int", help: "Override the preset's KV blocks (small = KV pressure)" },
  { name: "max-loras", type: "int", help: "Override the preset's LoRA slots" },
  {
    name: "scheduling-policy",
    type: "string",
    default: "fcfs",
    help: "vLLM's --scheduling-policy: fcfs (a non-zero body priority is refused, 400) | priority (queue by the body's priority, lower first; preempt the highest)",
  },
  {
    name: "default-max-tokens",
    type: "int",
    default: "128",
    help: "Output tokens when a request sets no max_tokens",
  },
  { name: "max-tokens-cap", type: "int", default: "2048", help: "Upper bound on output tokens per request" },
  { name: "error-rate", type: "string", default: "0", help: "Fraction of requests answered 500" },
  {
    name: "latency-spike-rate",
    type: "string",
    default: "0",
    help: "Fraction of requests delayed by --latency-spike-ms",
  },
  { name: "latency-spike-ms", type: "int", default: "1000", help: "Delay of a latency spike, ms" },
  {
    name: "crash-mid-stream-rate",
    type: "string",
    default: "0",
    help: "Fraction of requests whose connection is cut mid-output",
  },
  {
    name: "slow-start-ms",
    type: "int",
    default: "0",
    help: "Health 503 and ready=false for this long after start",
  },
  {
    name: "replica-schedule",
    type: "string",
    help:
      "Replicas joining and leaving over time: +N@T starts N more, -N@T removes the N newest (last push without" +
      " the endpoint, then --removal-drain of answering), e.g. --replica-schedule=+2@30s,-1@60s",
  },
  {
    name: "removal-drain",
    type: "duration",
    default: "2s",
    help: "How long a removed replica keeps answering after its removal push (requests arriving are counted)",
  },
  { name: "log-level", type: "string", default: "info", help: "debug | info | warn | error" },
];
