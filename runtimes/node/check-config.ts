/**
 * `inference-router check-config DIR`: loads a config set with serve's loader, builds its scheduler as
 * serve does, and prints what it resolves to (exit 0) or every problem (exit 1); bad usage exits 2.
 */
import { summarizeConfig } from "../../src/api/config-summary.js";
import type { RouterResources } from "../../src/api/resources.js";
import { createManualClock } from "../../src/core/clock.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { describeScheduler } from "../../src/routing/scheduler-config-ref.js";
import { ConfigError, loadResources } from "./config-loader.js";
import { type FlagSpec, formatHelp, parseFlags, UsageError } from "./flags.js";

const flags: readonly FlagSpec[] = [
  { name: "json", type: "boolean", help: "Print one JSON object instead of text" },
];
const usage = "inference-router check-config [--json] PATH";
const summary =
  "Loads the config file or directory PATH as `serve --config PATH` would, and prints the resolved\n" +
  "resources, the scheduler config and profile that run, and the RouterConfig settings that differ from\n" +
  "the defaults. Exit status: 0 valid, 1 problems found (all printed), 2 bad usage.";

const REASONS = {
  configRef: "named by RouterConfig spec.scheduler.configRef",
  "only-config": "the only EndpointPickerConfig in the config",
  "built-in": "no EndpointPickerConfig in the config",
} as const;

/** Every problem with the set: the loader's, then the scheduler's (unknown plugin types, bad parameters). */
async function check(path: string): Promise<{ resources?: RouterResources; problems: string[] }> {
  let resources: RouterResources;
  try {
    resources = await loadResources(path);
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.errors };
    throw err;
  }
  try {
    createRouterCore(resources, { clock: createManualClock(0), random: { next: Math.random } }).dispose();
  } catch (err) {
    return { problems: [`scheduler: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return { resources, problems: [] };
}

function text(path: string, r: RouterResources): string {
  const { resources, settings } = summarizeConfig(r);
  const s = describeScheduler(r);
  const lines = [`${path}: valid`];
  for (const x of resources) lines.push(`  ${x.kind} ${x.name}: ${x.detail} (${x.source})`);
  if (r.pools.length === 0) lines.push("  no InferencePool: every push will be refused");
  lines.push(`  scheduler: ${s.config} (${s.source}), profile ${s.profile}: ${REASONS[s.reason]}`);
  for (const p of s.plugins) {
    const weight = p.weight === undefined ? "" : ` weight ${p.weight}`;
    lines.push(`    ${p.name}${p.name === p.type ? "" : ` (${p.type})`}${weight}`);
  }
  if (settings.length === 0) lines.push("  RouterConfig: every setting at its default");
  for (const c of settings) {
    const was = c.default === undefined ? "" : ` (default ${JSON.stringify(c.default)})`;
    lines.push(`  RouterConfig ${c.field}: ${JSON.stringify(c.value)}${was}`);
  }
  return `${lines.join("\n")}\n`;
}

/** CLI entry. */
export async function checkConfigMain(argv: string[]): Promise<void> {
  let json = false;
  let path: string;
  try {
    const parsed = parseFlags(flags, argv, {});
    if (parsed.help) {
      process.stdout.write(formatHelp(usage, summary, flags));
      return;
    }
    json = parsed.values.json === true;
    if (parsed.positionals.length !== 1)
      throw new UsageError(`expected one config PATH, got ${parsed.positionals.length}`);
    path = parsed.positionals[0]!;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`inference-router check-config: ${err.message}\n\nUsage: ${usage}\n`);
    process.exit(2);
  }
  const { resources, problems } = await check(path);
  if (json) {
    const out = resources
      ? { ok: true, path, ...summarizeConfig(resources), scheduler: describeScheduler(resources) }
      : { ok: false, path, problems };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (resources) process.stdout.write(text(path, resources));
  else process.stderr.write(`${path}: ${problems.length} problem(s)\n  ${problems.join("\n  ")}\n`);
  process.exitCode = resources ? 0 : 1;
}
