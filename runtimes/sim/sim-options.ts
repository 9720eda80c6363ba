/** Parsed `sim` flags -> one ReplicaOptions per replica; every refusal names the flag and the value. */
import { parsePushTargets } from "../../src/push/push-targets.js";
import { presets, type SimRole, simRoles } from "../../src/sim/index.js";
import { type FlagValues, UsageError } from "../node/flags.js";
import type { ReplicaOptions } from "./replica.js";

function fraction(flags: FlagValues, name: string): number {
  const raw = String(flags[name] ?? "0");
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v) || v < 0 || v > 1)
    throw new UsageError(`--${name}: "${raw}" must be a number between 0 and 1`);
  return v;
}

function list(flags: FlagValues, name: string): string[] | undefined {
  const raw = flags[name] as string | undefined;
  if (raw === undefined) return undefined;
  const items = raw
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
  if (items.length === 0) throw new UsageError(`--${name}: "${raw}" names nothing`);
  return items;
}

function labels(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of raw.split(",").filter((p) => p.trim() !== "")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--labels: "${pair}" must be key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** One step of --replica-schedule: at `atMs` after start, `delta` replicas join (> 0) or leave (< 0). */
export interface ScheduleStep {
  atMs: number;
  delta: number;
}

/**
 * Parses --replica-schedule ("+2@30s,-1@60s"), in time order.
 * @throws UsageError naming the flag and the bad entry.
 */
export function parseReplicaSchedule(text: string): ScheduleStep[] {
  const steps = text
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "")
    .map((entry) => {
      const m = /^([+-])(\d{1,3})@(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(entry);
      if (!m || Number(m[2]) === 0)
        throw new UsageError(
          `--replica-schedule: "${entry}" must look like +N@T or -N@T (N 1..999, T a duration such as 30s)`,
        );
      const n = Number(m[3]);
      const atMs = m[4] === "m" ? n * 60_000 : m[4] === "ms" ? n : n * 1000;
      return { atMs, delta: (m[1] === "-" ? -1 : 1) * Number(m[2]) };
    });
  if (steps.length === 0) throw new UsageError(`--replica-schedule: "${text}" names no step`);
  return steps.sort((a, b) => a.atMs - b.atMs);
}

/** Builds the replicas' options; throws UsageError for a bad or missing value. */
export function replicaOptionsFromFlags(flags: FlagValues): ReplicaOptions[] {
  const n = flags.replicas as number;
  if (n < 1 || n > 1000) throw new UsageError(`--replicas: "${n}" must be between 1 and 1000`);
  const preset = flags.preset as string;
  if (!(preset in presets))
    throw new UsageError(`--preset: "${preset}" is not one of ${Object.keys(presets).join(", ")}`);
  const timeScale = Number(flags["time-scale"]);
  if (!Number.isFinite(timeScale) || timeScale <= 0)
    throw new UsageError(`--time-scale: "${String(flags["time-scale"])}" must be a number > 0`);
  const basePort = flags["base-port"] as number;
  if (basePort !== 0 && basePort + n - 1 > 65535)
    throw new UsageError(`--base-port: "${basePort}" + ${n} replicas goes past port 65535`);
  const pushUrl = flags.push as string | undefined;
  const pool = flags.pool as string | undefined;
  if (pushUrl !== undefined && pool === undefined) throw new UsageError("--pool is required with --push");
  const targets = pushUrl !== undefined ? parsePushTargets(pushUrl, "push") : undefined;
  const maxLoras = flags["max-loras"] as number | undefined;
  const numBlocks = flags["num-blocks"] as number | undefined;
  const schedulingPolicy = flags["scheduling-policy"] as string;
  if (schedulingPolicy !== "fcfs" && schedulingPolicy !== "priority")
    throw new UsageError(`--scheduling-policy: "${schedulingPolicy}" is not one of fcfs, priority`);
  const source = flags.source as string | undefined;
  const token = flags.token as string | undefined;
  const models = list(flags, "models");
  const adapters = list(flags, "lora-adapters");
  const advertiseHost = flags["advertise-host"] as string | undefined;
  const roles = (list(flags, "roles") ?? ["both"]).map((r) => {
    if (!(simRoles as readonly string[]).includes(r))
      throw new UsageError(`--roles: "${r}" is not one of ${simRoles.join(", ")}`);
    return r as SimRole;
  });
  const linkRaw = String(flags["kv-link-gbps"] ?? "400");
  const linkGbps = Number(linkRaw);
  if (linkRaw.trim() === "" || !Number.isFinite(linkGbps) || linkGbps <= 0 || linkGbps > 1e6)
    throw new UsageError(`--kv-link-gbps: "${linkRaw}" must be a number > 0 and <= 1000000`);
  const faults = {
    errorRate: fraction(flags, "error-rate"),
    latencySpikeRate: fraction(flags, "latency-spike-rate"),
    latencySpikeMs: flags["latency-spike-ms"] as number,
    crashMidStreamRate: fraction(flags, "crash-mid-stream-rate"),
  };
  return Array.from({ length: n }, (_, index) => ({
    index,
    host: flags.host as string,
    port: basePort === 0 ? 0 : basePort + index,
    ...(advertiseHost ? { advertiseHost } : {}),
    engine: {
      preset: preset as keyof typeof presets,
      ...(numBlocks !== undefined ? { numBlocks } : {}),
      ...(maxLoras !== undefined ? { maxLoras } : {}),
      schedulingPolicy,
    },
    timeScale,
    seed: flags.seed as number,
    ...(models ? { models } : {}),
    ...(adapters ? { adapters } : {}),
    faults,
    slowStartMs: flags["slow-start-ms"] as number,
    defaultMaxTokens: Math.max(1, flags["default-max-tokens"] as number),
    maxTokensCap: Math.max(1, flags["max-tokens-cap"] as number),
    role: roles[index % roles.length]!,
    kvLinkBytesPerSec: (linkGbps * 1e9) / 8,
    ...(targets !== undefined && pool !== undefined
      ? {
          push: {
            targets,
            resolveIntervalMs: (flags["push-resolve-interval"] as number | undefined) ?? 5000,
            pool,
            intervalMs: flags.interval as number,
            ...(token ? { token } : {}),
            ...(source ? { source: `${source}-${index}` } : {}),
            labels: flags.labels !== undefined ? labels(flags.labels as string) : { app: pool },
          },
        }
      : {}),
  }));
}
