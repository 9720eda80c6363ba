/**
 * Loads the config set from disk and keeps it current: a change that fails validation is refused
 * with a logged error and the last good config stays in force.
 */
import { readFileSync } from "node:fs";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";
import { defaultRouterConfig } from "../../src/api/router-config.js";
import { readConfigFiles, watchConfig } from "./config-files.js";
import { log } from "./log.js";

/** Config problems at start-up; the CLI prints them and exits 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly errors: string[]) {
    super(`invalid configuration:\n  ${errors.join("\n  ")}`);
  }
}

export function emptyResources(): RouterResources {
  return {
    router: defaultRouterConfig(),
    pools: [],
    objectives: [],
    models: [],
    rewrites: [],
    schedulerConfigs: [],
  };
}

/** Reads and validates the config set at `path`; throws ConfigError listing every issue. */
export async function loadResources(path: string | undefined): Promise<RouterResources> {
  if (path === undefined) return emptyResources();
  let files: Awaited<ReturnType<typeof readConfigFiles>>;
  try {
    files = await readConfigFiles(path);
  } catch (err) {
    throw new ConfigError([`${path}: ${(err as Error).message}`]);
  }
  const result = parseManifests(files);
  if (!result.ok) throw new ConfigError(result.errors);
  return result.resources;
}

/** Watches `path`; calls `apply` with each new valid config set. Returns the stop function. */
export function watchResources(path: string, apply: (r: RouterResources) => void): () => void {
  return watchConfig(path, () => {
    loadResources(path)
      .then((r) => {
        apply(r);
        log("info", "config reloaded", { path, pools: r.pools.map((p) => p.name) });
      })
      .catch((err: unknown) => {
        const errors =
          err instanceof ConfigError ? err.errors : [err instanceof Error ? err.message : String(err)];
        log("error", "config change refused; the last good config stays in force", { path, errors });
      });
  });
}

/**
 * A token given inline or in a file (file contents trimmed). `setting` names the RouterConfig key for
 * errors ("pushToken" reads `spec.auth.pushToken` / `spec.auth.pushTokenFile`). A token that is set but
 * empty or only whitespace is a ConfigError, never "no auth": an empty Secret must not open the API.
 */
export function readToken(
  inline: string | undefined,
  file: string | undefined,
  setting = "token",
): string | undefined {
  if (inline !== undefined) {
    if (inline.trim() === "")
      throw new ConfigError([`RouterConfig spec.auth.${setting}: is empty; set a token or remove the key`]);
    return inline;
  }
  if (file === undefined) return undefined;
  const where = `RouterConfig spec.auth.${setting}File: ${file}`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([`${where}: cannot be read (${(err as Error).message})`]);
  }
  const token = text.trim();
  if (token === "")
    throw new ConfigError([
      `${where}: the file is empty or only whitespace; a token file must hold the token`,
    ]);
  return token;
}
