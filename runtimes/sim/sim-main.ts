/**
 * `inference-router sim`: N simulated vLLM-like model servers in one process, each on its own port,
 * each optionally pushing its snapshot to a router. Exit codes: 0 ok, 2 bad usage, 1 failed to start.
 */
import { RouterError } from "../../src/core/errors.js";
import { resolveEngineConfig } from "../../src/sim/index.js";
import { type FlagValues, formatHelp, parseFlags, UsageError } from "../node/flags.js";
import { type LogLevel, log, setLogLevel } from "../node/log.js";
import { watchPushTargets } from "../node/push-targets-node.js";
import { type RunningReplica, startReplica } from "./replica.js";
import { simFlags } from "./sim-flags.js";
import { parseReplicaSchedule, replicaOptionsFromFlags, type ScheduleStep } from "./sim-options.js";

const summary =
  "Runs simulated vLLM-like model servers (OpenAI API, /health, vLLM /metrics) that can push their state to a router.";

function usageExit(message: string): never {
  process.stderr.write(`inference-router sim: ${message}\nRun with --help for the options.\n`);
  process.exit(2);
}

/**
 * Replicas joining and leaving on --replica-schedule's timers: joiners get the next indexes (and ports),
 * leavers are the newest live replicas, removed with their last push first (RunningReplica.remove).
 */
function runSchedule(
  steps: readonly ScheduleStep[],
  flags: FlagValues,
  replicas: RunningReplica[],
  watch: Parameters<typeof startReplica>[1],
  stopping: () => boolean,
): void {
  let nextIndex = replicas.length;
  const drainMs = (flags["removal-drain"] as number | undefined) ?? 2000;
  for (const step of steps) {
    setTimeout(() => {
      if (stopping()) return;
      void (async () => {
        if (step.delta > 0) {
          const all = replicaOptionsFromFlags({ ...flags, replicas: nextIndex + step.delta });
          for (let k = 0; k < step.delta; k++) replicas.push(await startReplica(all[nextIndex++]!, watch));
          log("info", "replicas joined", { service: "sim", added: step.delta, replicas: replicas.length });
        } else {
          const leaving = replicas.splice(Math.max(1, replicas.length + step.delta));
          await Promise.all(leaving.map((r) => r.remove(drainMs)));
        }
      })().catch((err: unknown) => log("error", "replica schedule step failed", { error: String(err) }));
    }, step.atMs).unref();
  }
}

/** CLI entry: parses flags, starts the replicas, stops them on SIGTERM/SIGINT. */
export async function simMain(argv: string[]): Promise<void> {
  let flags: FlagValues;
  let options: ReturnType<typeof replicaOptionsFromFlags>;
  let schedule: ScheduleStep[] = [];
  try {
    const parsed = parseFlags(simFlags, argv, process.env, true);
    if (parsed.help) {
      process.stdout.write(
        formatHelp(
          "inference-router sim [--replicas N] [--preset NAME] [--base-port P] [options]",
          summary,
          simFlags,
        ),
      );
      return;
    }
    if (parsed.positionals.length > 0) usageExit(`unexpected argument "${parsed.positionals[0]}"`);
    flags = parsed.values;
    setLogLevel(flags["log-level"] as LogLevel);
    options = replicaOptionsFromFlags(flags);
    schedule = flags["replica-schedule"] ? parseReplicaSchedule(String(flags["replica-schedule"])) : [];
    const first = options[0];
    if (first) resolveEngineConfig(first.engine);
  } catch (err) {
    if (err instanceof UsageError || err instanceof RouterError) usageExit(err.message);
    throw err;
  }
  const replicas: RunningReplica[] = [];
  // One watch of the router replicas for every simulated replica of this process.
  const push = options[0]?.push;
  const watch = push ? watchPushTargets(push.targets, push.resolveIntervalMs, "push") : undefined;
  if (watch) await watch.ready;
  let stopping = false;
  // Handlers go in before the first listener: a signal during start-up still exits 0.
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping", { service: "sim", signal });
    Promise.all(replicas.map((r) => r.close())).then(
      () => {
        watch?.close();
        log("info", "stopped", { service: "sim" });
        process.exit(0);
      },
      (err: unknown) => {
        log("error", "shutdown failed", { service: "sim", error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  try {
    for (const o of options) {
      if (stopping) return;
      replicas.push(await startReplica(o, watch));
    }
  } catch (err) {
    log("error", "failed to start", { service: "sim", error: String(err) });
    await Promise.all(replicas.map((r) => r.close()));
    process.exit(1);
  }
  // A signal during start-up: stop() is closing what it saw and exits the process.
  if (stopping) return;
  runSchedule(schedule, flags, replicas, watch, () => stopping);
  const cfg = replicas[0]!.state.rt.engine.config;
  log("info", "sim ready", {
    service: "sim",
    replicas: replicas.length,
    preset: cfg.preset,
    numBlocks: cfg.numBlocks,
    blockSize: cfg.blockSize,
    push: flags.push ?? null,
    pool: flags.pool ?? null,
  });
}
