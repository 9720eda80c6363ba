/**
 * Command-line flags with environment-variable twins. Precedence: flag, then environment, then the
 * config file, then the built-in default. Every refusal names the flag, the value and the limit.
 */
import { parseArgs } from "node:util";

export type FlagType = "string" | "port" | "int" | "boolean" | "duration";

export interface FlagSpec {
  /** Long name without dashes, e.g. "api-port". */
  name: string;
  type: FlagType;
  /** Shown in --help; the value used when neither flag, env nor config sets one. */
  default?: string;
  help: string;
  /** Other names accepted for the same flag (the upstream picker's, so its command lines carry over). */
  aliases?: readonly string[];
  /**
   * A secret (a bearer token): an empty or whitespace-only value, from the flag or the environment, is
   * refused rather than taken as "not set", so an empty Secret cannot switch authentication off.
   */
  secret?: boolean;
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

/** Thrown for bad usage; the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** INFERENCE_ROUTER_API_PORT for "api-port". */
export function envName(flag: string): string {
  return `INFERENCE_ROUTER_${flag.toUpperCase().replaceAll("-", "_")}`;
}

/** Parses "250ms", "2s", "1m" or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === "s" ? n * 1000 : m[2] === "m" ? n * 60_000 : n;
}

function convert(spec: FlagSpec, raw: string | boolean, origin: string): string | number | boolean {
  const where = origin === "flag" ? `--${spec.name}` : `${envName(spec.name)} (for --${spec.name})`;
  switch (spec.type) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (/^(1|true|yes)$/i.test(raw)) return true;
      if (/^(0|false|no)$/i.test(raw)) return false;
      throw new UsageError(`${where}: "${raw}" must be true or false`);
    case "port":
    case "int": {
      const n = Number(raw);
      const [lo, hi] = spec.type === "port" ? [0, 65535] : [0, Number.MAX_SAFE_INTEGER];
      if (typeof raw !== "string" || !/^\d+$/.test(raw) || n < lo || n > hi) {
        throw new UsageError(`${where}: "${String(raw)}" must be an integer between ${lo} and ${hi}`);
      }
      return n;
    }
    case "duration": {
      const ms = typeof raw === "string" ? parseDuration(raw) : undefined;
      if (ms === undefined || ms <= 0)
        throw new UsageError(`${where}: "${String(raw)}" must be a positive duration like 100ms, 2s or 1m`);
      return ms;
    }
    default:
      if (typeof raw !== "string" || raw === "") throw new UsageError(`${where} needs a value`);
      if (spec.secret && raw.trim() === "")
        throw new UsageError(`${where} is only whitespace: give the token, or leave it unset`);
      return raw;
  }
}

/**
 * Parses argv against the specs. Values not given by flag or env are left undefined (so the config
 * file can supply them) unless `applyDefaults` is set.
 */
export function parseFlags(
  specs: readonly FlagSpec[],
  argv: readonly string[],
  env: Record<string, string | undefined>,
  applyDefaults = false,
): { values: FlagValues; help: boolean; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const s of specs) {
    const type = s.type === "boolean" ? "boolean" : "string";
    options[s.name] = { type };
    for (const alias of s.aliases ?? []) options[alias] = { type };
  }
  // Booleans also take Go-style `--flag=true|false` (what upstream picker command lines use).
  const explicit = new Map<string, boolean>();
  const args: string[] = [];
  for (const arg of argv) {
    const eq = arg.indexOf("=");
    const given = arg.slice(2, eq);
    const spec =
      arg.startsWith("--") && eq > 2
        ? specs.find((s) => s.name === given || s.aliases?.includes(given))
        : undefined;
    if (spec?.type === "boolean")
      explicit.set(spec.name, convert(spec, arg.slice(eq + 1), "flag") as boolean);
    else args.push(arg);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/, ""));
  }
  const values: FlagValues = {};
  for (const s of specs) {
    const names = [s.name, ...(s.aliases ?? [])];
    const given = names.filter((n) => parsed.values[n] !== undefined);
    if (given.length > 1) throw new UsageError(`--${given[0]} and --${given[1]} are the same flag: give one`);
    const flag = explicit.get(s.name) ?? (given[0] === undefined ? undefined : parsed.values[given[0]]);
    const fromEnv = env[envName(s.name)];
    if (flag !== undefined) values[s.name] = convert(s, flag as string | boolean, "flag");
    else if (s.secret && fromEnv !== undefined && fromEnv.trim() === "")
      throw new UsageError(
        `${envName(s.name)} (for --${s.name}) is set but empty: give the token, or unset it`,
      );
    else if (fromEnv !== undefined && fromEnv !== "") values[s.name] = convert(s, fromEnv, "env");
    else if (applyDefaults && s.default !== undefined) values[s.name] = convert(s, s.default, "flag");
  }
  return { values, help: parsed.values.help === true, positionals: parsed.positionals };
}

/** The --help text: usage line, then one line per flag with its env twin and default. */
export function formatHelp(usage: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.type === "boolean" ? "" : ` <${s.type === "port" ? "port" : s.type === "duration" ? "dur" : "value"}>`}`;
    const def = s.default !== undefined ? ` (default ${s.default})` : "";
    const aka = s.aliases?.length ? `; also --${s.aliases.join(", --")}` : "";
    return `${left.padEnd(28)} ${s.help}${def}\n${"".padEnd(29)} env ${envName(s.name)}${aka}`;
  });
  return `Usage: ${usage}\n\n${summary}\n\nOptions:\n${rows.join("\n")}\n  --help                     Show this help\n`;
}
