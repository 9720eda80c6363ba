/** The `inference-router` command: dispatches to a subcommand. */
import { readFileSync } from "node:fs";
import { agentMain } from "../agent/agent-main.js";
import { simMain } from "../sim/sim-main.js";
import { checkConfigMain } from "./check-config.js";
import { demoMain } from "./demo.js";
import { serveMain } from "./serve.js";

const commands: Record<string, { summary: string; run: (argv: string[]) => Promise<void> }> = {
  serve: { summary: "run the router (pool-state API, picker, HTTP router, metrics)", run: serveMain },
  sim: { summary: "run simulated vLLM-like model servers that push their state", run: simMain },
  demo: { summary: "start the router and a simulated pool, and print curl commands to try", run: demoMain },
  agent: { summary: "scrape one model server's /metrics and push its snapshot", run: agentMain },
  "check-config": {
    summary: "load a config file or directory as serve would; print what it resolves to, or every problem",
    run: checkConfigMain,
  },
};

/**
 * package.json's version. Read at run time next to this file, two folders up: the same place for the
 * sources, the bundle (runtimes/node/cli.bundle.mjs) and the image (/app/package.json).
 */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

function usage(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(13)} ${c.summary}`);
  return `Usage: inference-router <command> [options]\n\nCommands:\n${rows.join("\n")}\n  version       print the version (also --version)\n\nRun "inference-router <command> --help" for a command's options.\n`;
}

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || name === "--help" || name === "-h" || name === "help") {
  process.stdout.write(usage());
} else if (name === "--version" || name === "version") {
  process.stdout.write(`${version()}\n`);
} else {
  const command = commands[name];
  if (!command) {
    process.stderr.write(`inference-router: unknown command "${name}"\n\n${usage()}`);
    process.exit(2);
  }
  await command.run(rest);
}
