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
import { replicaOptionsFromFlags } from "./sim-options.js";

const summary =
  "Runs simulated vLLM-like model servers (OpenAI API, /health, vLLM /metrics) that can push their state to a router.";

function usageExit(message: string): never {
  process.stderr.write(`inference-router sim: ${message}\nRun with --help for the options.\n`);
  process.exit(2);
}

/** CLI entry: parses flags, starts the replicas, stops them on SIGTERM/SIGINT. */
export async function simMain(argv: string[]): Promise<void> {
  let flags: FlagValues;
  let options: ReturnType<typeof replicaOptionsFromFlags>;
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
