/**
 * The agent's options: one validation step that fills defaults and names the bad flag and value.
 * Raw values come from the CLI's flag parser (strings, numbers already converted for ints/durations).
 */
import { RouterError } from "../core/errors.js";
import { type PushTargetSpec, parsePushTargets } from "../push/push-targets.js";
import { parseAddress } from "../state/address.js";
import { type EngineKind, engineMappings, isEngineKind } from "./engines/index.js";

/** Validated agent settings. */
export interface AgentOptions {
  engine: EngineKind;
  /** The engine's Prometheus endpoint, e.g. http://127.0.0.1:8000/metrics. */
  metricsUrl: string;
  /** Readiness probe; default: the metrics URL's origin + /health. */
  healthUrl: string;
  /** Canonical "ip:port" pushed as the endpoint address. */
  address: string;
  pool: string;
  /** `--push` as given: the router's Connect API base URL(s), e.g. http://router:9004. */
  pushUrl: string;
  /** The router replicas `--push` names (comma-separated URLs; a name stands for every address it resolves to). */
  pushTargets: PushTargetSpec[];
  /** How often names in `--push` are looked up again, ms; 0 = push to the name as is. Default 5000. */
  resolveIntervalMs: number;
  /** Bearer token for PushSnapshot; undefined = none. */
  token: string | undefined;
  /** Time between scrapes, ms. Default 100. */
  intervalMs: number;
  /** Limit on each scrape, health check and push, ms. Default 1000. */
  timeoutMs: number;
  /** Producer id; default `agent-<address>`. */
  source: string;
  /** Models served; empty = any model of the pool. */
  models: string[];
  /** Labels pushed with the endpoint (pool selectors match on them). */
  labels: Record<string, string>;
  /** Port of the agent's own /metrics; undefined = off. */
  metricsPort: number | undefined;
  /**
   * Hold one StreamSnapshots call open (HTTP/2) instead of one PushSnapshot call per scrape: less
   * work per push at short intervals. Default false.
   */
  pushStream: boolean;
}

type Raw = Readonly<Record<string, string | number | boolean | undefined>>;

function bad(flag: string, value: unknown, why: string): RouterError {
  return new RouterError("BadRequest", `--${flag}: ${JSON.stringify(value)} ${why}`, flag);
}

function str(raw: Raw, flag: string): string | undefined {
  const v = raw[flag];
  return v === undefined ? undefined : String(v);
}

function required(raw: Raw, flag: string): string {
  const v = str(raw, flag);
  if (v === undefined || v === "") throw new RouterError("BadRequest", `--${flag} is required`, flag);
  return v;
}

function httpUrl(flag: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(flag, value, "is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad(flag, value, "must be an http(s) URL");
  return url;
}

/** "a=b,c=d" to { a: "b", c: "d" }. */
function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    const key = pair.slice(0, eq).trim();
    if (eq <= 0 || key === "")
      throw bad("labels", text, `has "${pair}"; each label must look like key=value`);
    labels[key] = pair.slice(eq + 1).trim();
  }
  return labels;
}

/**
 * Validates raw flag values and fills defaults.
 * @throws RouterError("BadRequest") whose `field` is the flag name, e.g. `--engine: "foo" must be one of vllm, sglang, trtllm`.
 */
export function validateAgentOptions(raw: Raw): AgentOptions {
  const engine = required(raw, "engine");
  if (!isEngineKind(engine)) {
    throw bad("engine", engine, `must be one of ${Object.keys(engineMappings).join(", ")}`);
  }
  const metricsUrl = httpUrl("metrics-url", required(raw, "metrics-url"));
  const healthText = str(raw, "health-url");
  const healthUrl = healthText ? httpUrl("health-url", healthText) : new URL("/health", metricsUrl.origin);
  const addressText = required(raw, "address");
  const address = parseAddress(addressText);
  if (typeof address === "string") throw bad("address", addressText, `is not an address: ${address}`);
  const pushText = required(raw, "push");
  const pushTargets = parsePushTargets(pushText, "push");
  const models = (str(raw, "models") ?? "")
    .split(",")
    .map((m) => m.trim())
    .filter((m) => m !== "");
  return {
    engine,
    metricsUrl: metricsUrl.href,
    healthUrl: healthUrl.href,
    address: address.address,
    pool: required(raw, "pool"),
    pushUrl: pushTargets.map((t) => t.url).join(","),
    pushTargets,
    resolveIntervalMs: typeof raw["push-resolve-interval"] === "number" ? raw["push-resolve-interval"] : 5000,
    token: str(raw, "token") || undefined,
    intervalMs: typeof raw.interval === "number" ? raw.interval : 100,
    timeoutMs: typeof raw.timeout === "number" ? raw.timeout : 1000,
    source: str(raw, "source") || `agent-${address.address}`,
    models,
    labels: parseLabels(str(raw, "labels")),
    metricsPort: typeof raw["metrics-port"] === "number" ? raw["metrics-port"] : undefined,
    pushStream: raw["push-stream"] === true,
  };
}
