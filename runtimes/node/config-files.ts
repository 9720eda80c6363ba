/**
 * Reads config files from disk for the manifest parser (src/api), and watches them for changes.
 * Node-only: the core parses text and never touches the file system.
 */
import { type FSWatcher, statSync, watch } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { ManifestFile } from "../../src/api/resources.js";

/** File names read from a config directory. */
const CONFIG_FILE = /\.(ya?ml|json)$/i;

/** How long a burst of file events is allowed to settle before `onChange` runs (ms). */
export const WATCH_DEBOUNCE_MS = 200;

async function listConfigFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  // Sorted by name so the documents, and so duplicate-resource errors, come in a stable order.
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // Hidden entries (.git, editor swap files, Kubernetes ConfigMap ..data links) are skipped.
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listConfigFiles(path)));
    else if (CONFIG_FILE.test(entry.name) && (entry.isFile() || (await stat(path)).isFile())) out.push(path);
  }
  return out;
}

/**
 * Reads the config set at `path`: the file itself (any extension), or every *.yaml, *.yml and *.json file
 * under the directory, recursively, in sorted order (hidden entries skipped). Paths in the result are
 * `path` joined with the relative name, so errors name files as the user wrote them.
 * Rejects (ENOENT, EACCES...) when `path` or a file cannot be read.
 */
export async function readConfigFiles(path: string): Promise<ManifestFile[]> {
  const info = await stat(path);
  const paths = info.isDirectory() ? await listConfigFiles(path) : [path];
  return Promise.all(paths.map(async (p) => ({ path: p, text: await readFile(p, "utf8") })));
}

/**
 * Calls `onChange` after files under `path` (a file, or a directory watched recursively) change, once per
 * burst of events settled for `debounceMs` (default {@link WATCH_DEBOUNCE_MS}). The caller re-reads and
 * re-parses, keeping the last good config when the new one is refused. Returns a function that stops
 * watching. Throws when `path` does not exist.
 */
export function watchConfig(path: string, onChange: () => void, debounceMs = WATCH_DEBOUNCE_MS): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const fire = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!stopped) onChange();
    }, debounceMs);
  };
  let watcher: FSWatcher;
  if (statSync(path).isDirectory()) {
    watcher = watch(path, { recursive: true, persistent: false }, fire);
  } else {
    // Editors save by writing a new file and renaming it over the old one, after which a watch on the
    // file itself goes quiet; watching the parent directory for this one name survives that.
    const name = basename(path);
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) fire();
    });
  }
  // A watcher error (e.g. the directory was removed) still means "look again"; the re-read then fails
  // and the caller keeps the last good config.
  watcher.on("error", fire);
  return () => {
    stopped = true;
    clearTimeout(timer);
    watcher.close();
  };
}
