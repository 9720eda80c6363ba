// The import boundaries of the house rules, checked on every `npm test` (issue #16, item 7):
// - src/ is Web-standards only: no `node:*`, no Node built-in by bare name (fs, http2, events, ...), no
//   `/// <reference types="node" />`, and nothing under runtimes/ or test/;
// - runtimes/worker runs in workerd: nothing from runtimes/node, runtimes/sim or runtimes/agent.
// Type-only imports count: a type that names a Node module ties the core to Node as surely as a value.
// It also reports (without failing) every runtime source file over 150 lines with the reason it is
// that long, from the table below: a runtime file that grows is where core rules leak into a runtime.
//
//   node runtimes/node/scripts/check-boundaries.mjs [root]   (root defaults to this repository)
//
// Exit 0 when the boundaries hold, 1 listing `file:line: "specifier" ...` for each import that crosses.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** A runtime source file longer than this many lines is listed in the report with its reason. */
const RUNTIME_LINE_LIMIT = 150;

/**
 * Why each runtime file over the limit is that long (path from the repository root -> one line).
 * A file over the limit and missing here is reported as "no reason given": add a line, or move the
 * rule it holds into src/.
 */
const LONG_RUNTIME_FILES = {
  "runtimes/node/serve.ts":
    "the `serve` command's wiring: flags and config, every listener (API, HTTP, ext_proc, health, metrics) with its busy-port message, the sweep timer, tracing start and flush, reload on file change and drain on SIGTERM; the rules it calls live in src/ (splitting the listener start-up out is the next step)",
  "runtimes/node/api-server.ts":
    "the API port on node:http/h2c: the Connect adapter (services, reflection, health), /healthz and /readyz, the pool page's static files and /ui/decisions; the answers themselves are built in src/services",
  "runtimes/node/demo.ts":
    "the `demo` command: starts `serve` in-process and a child `sim`, waits for the pool, prints the curl commands, and turns the simulator's own failure (busy port, crash) into a message naming its flag",
  "runtimes/node/picker-listeners.ts":
    "the picker's three listeners (ext_proc on either transport with TLS and certificate reload, gRPC health, metrics) over one processor; the rules (served pool, message limit, endpoint count) live in src/extproc",
  "runtimes/node/extproc-h2.ts":
    "ext_proc's gRPC framing on node:http2 with module-level listeners (no closures per stream), including the write of replies flow control held; the session's rules live in src/extproc",
  "runtimes/node/ui/app.js":
    "the pool page's browser code (no build step, so one ES module): the Connect protocol over fetch, the pool table, the Explain score table; it holds no routing rule",
};

const SOURCE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
/** Build outputs and dependencies: not ours to check (cli.bundle.mjs inlines src/ and runtimes/). */
const SKIP_DIRS = new Set(["node_modules", "dist", ".wrangler", "coverage"]);
const SKIP_FILE = /\.bundle\.[cm]?js$/;

/** Repository-relative posix paths of the source files under `dir` (relative to root). */
function sourceFiles(root, dir) {
  const abs = join(root, dir);
  let names;
  try {
    names = readdirSync(abs);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const rel = posix.join(dir, name);
    if (statSync(join(abs, name)).isDirectory()) return SKIP_DIRS.has(name) ? [] : sourceFiles(root, rel);
    return SOURCE.test(name) && !SKIP_FILE.test(name) ? [rel] : [];
  });
}

/** 1-based line of character offset `pos`. */
function lineAt(text, pos) {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < pos; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/** Lines as `wc -l` counts them, plus a last line without a newline. */
function lineCount(text) {
  if (text.length === 0) return 0;
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

/** Where a relative specifier points, repository-relative; undefined for packages and built-ins. */
function target(file, spec) {
  if (!spec.startsWith("./") && !spec.startsWith("../")) return undefined;
  return posix.normalize(posix.join(posix.dirname(file), spec));
}

const under = (path, dir) => path === dir || path.startsWith(`${dir}/`);

/**
 * Every import of a file: import/export-from (type-only too), `import x = require()`, dynamic
 * import() (in type positions too), require(), and triple-slash references.
 */
function importsOf(text) {
  const info = ts.preProcessFile(text, true, true);
  return [
    ...info.importedFiles.map((f) => ({ spec: f.fileName, pos: f.pos, kind: "import" })),
    ...info.referencedFiles.map((f) => ({ spec: f.fileName, pos: f.pos, kind: "reference path" })),
    ...info.typeReferenceDirectives.map((f) => ({ spec: f.fileName, pos: f.pos, kind: "reference types" })),
  ];
}

const WORKER_FORBIDDEN = ["runtimes/node", "runtimes/sim", "runtimes/agent"];

/** Why `spec` may not be imported by `file`, or undefined when it may. */
function violation(file, { spec, kind }) {
  const to = target(file, spec);
  if (under(file, "src")) {
    if (kind === "reference types")
      return spec === "node" ? "src/ is Web-standards only: no Node types" : undefined;
    if (spec.startsWith("node:") || (to === undefined && isBuiltin(spec)))
      return "src/ is Web-standards only: no Node built-ins";
    if (to !== undefined && (under(to, "runtimes") || under(to, "test")))
      return `src/ imports nothing under ${to.split("/")[0]}/`;
  }
  if (under(file, "runtimes/worker") && to !== undefined) {
    const other = WORKER_FORBIDDEN.find((dir) => under(to, dir));
    if (other) return `runtimes/worker runs in workerd: nothing from ${other}/`;
  }
  return undefined;
}

/** Checks the tree at `root`; returns the problems (fail) and the report lines (inform). */
function checkBoundaries(root) {
  const files = [...sourceFiles(root, "src"), ...sourceFiles(root, "runtimes")];
  const problems = [];
  const long = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    for (const imp of importsOf(text)) {
      const why = violation(file, imp);
      const shown = imp.kind === "import" ? `"${imp.spec}"` : `/// <${imp.kind}="${imp.spec}">`;
      if (why) problems.push(`${file}:${lineAt(text, imp.pos)}: ${shown}: ${why}`);
    }
    const lines = lineCount(text);
    if (under(file, "runtimes") && lines > RUNTIME_LINE_LIMIT)
      long.push(`  ${file}: ${lines} lines: ${LONG_RUNTIME_FILES[file] ?? "no reason given"}`);
  }
  const stale = Object.keys(LONG_RUNTIME_FILES).filter((f) => !long.some((l) => l.startsWith(`  ${f}:`)));
  return { files: files.length, problems, long, stale };
}

const root = process.argv[2] ?? fileURLToPath(new URL("../../../", import.meta.url));
const { files, problems, long, stale } = checkBoundaries(root);
if (long.length > 0) {
  console.log(`runtime files over ${RUNTIME_LINE_LIMIT} lines, and why:`);
  for (const l of long) console.log(l);
}
if (stale.length > 0)
  console.log(`reasons listed for files no longer over ${RUNTIME_LINE_LIMIT} lines: ${stale.join(", ")}`);
if (problems.length > 0) {
  console.error(`import boundaries crossed (${problems.length}):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`import boundaries hold (${files} files under src/ and runtimes/)`);
