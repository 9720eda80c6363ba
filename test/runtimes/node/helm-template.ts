/**
 * A renderer for the subset of Helm's Go templates the chart in runtimes/node/deploy/helm uses, so a
 * test can render it without the helm binary (not available from npm or Debian here): `{{ }}` with
 * `{{-`/`-}}` trimming; `.Values.a.b`, `.Release.Name`, `$`, `$var`, `.field` of the range item;
 * `if`/`else`/`end`, `range X` and `range $k, $v := X` (maps in key order, as Go does); pipelines
 * with `toYaml`, `nindent`, `indent`, `quote`, `default`, `not`. Anything else throws, so a template
 * that outgrows the subset fails the test instead of rendering wrong.
 */
import { stringify } from "yaml";

type Scope = { dot: unknown; root: unknown; vars: Record<string, unknown> };
type Node =
  | { type: "text"; text: string }
  | { type: "action"; expr: string }
  | { type: "if"; cond: string; whenTrue: Node[]; whenFalse: Node[] }
  | { type: "range"; key?: string; value?: string; expr: string; body: Node[] };

/** Splits a template into text and actions, applying the trim markers. */
function tokens(template: string): { text?: string; action?: string }[] {
  const out: { text?: string; action?: string }[] = [];
  const re = /\{\{(-\s)?\s*([\s\S]*?)\s*(\s-)?\}\}/g;
  let last = 0;
  let trimNext = false;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    let text = template.slice(last, m.index);
    if (trimNext) text = text.replace(/^\s+/, "");
    if (m[1]) text = text.replace(/\s+$/, "");
    out.push({ text }, { action: m[2]! });
    trimNext = m[3] !== undefined;
    last = m.index + m[0].length;
  }
  let tail = template.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, "");
  out.push({ text: tail });
  return out;
}

function parse(template: string): Node[] {
  const stack: { nodes: Node[]; node?: Node & { type: "if" | "range" }; inElse?: boolean }[] = [
    { nodes: [] },
  ];
  const top = () => stack[stack.length - 1]!;
  const push = (n: Node) => {
    const t = top();
    if (t.node?.type === "if" && t.inElse) t.node.whenFalse.push(n);
    else if (t.node?.type === "if") t.node.whenTrue.push(n);
    else if (t.node?.type === "range") t.node.body.push(n);
    else t.nodes.push(n);
  };
  for (const t of tokens(template)) {
    if (t.text !== undefined) {
      if (t.text) push({ type: "text", text: t.text });
      continue;
    }
    const action = t.action!;
    const word = action.split(/\s+/)[0];
    if (word === "if") {
      const node: Node = { type: "if", cond: action.slice(2).trim(), whenTrue: [], whenFalse: [] };
      push(node);
      stack.push({ nodes: [], node });
    } else if (word === "range") {
      const m = /^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*)?(.+)$/.exec(action);
      if (!m) throw new Error(`helm-template: cannot read "${action}"`);
      const node: Node = {
        type: "range",
        expr: m[3]!,
        ...(m[2] ? { key: m[1], value: m[2] } : m[1] ? { value: m[1] } : {}),
        body: [],
      };
      push(node);
      stack.push({ nodes: [], node });
    } else if (word === "else") {
      top().inElse = true;
    } else if (word === "end") {
      if (stack.length < 2) throw new Error("helm-template: end without if/range");
      stack.pop();
    } else if (/^(define|template|include|with|block)$/.test(word ?? "") || action.includes(":=")) {
      throw new Error(`helm-template: "${action}" is outside the supported subset`);
    } else push({ type: "action", expr: action });
  }
  if (stack.length !== 1) throw new Error("helm-template: unclosed if/range");
  return stack[0]!.nodes;
}

function words(command: string): string[] {
  return command.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

function field(value: unknown, path: string[]): unknown {
  let v = value;
  for (const key of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function operand(word: string, scope: Scope): unknown {
  if (word.startsWith('"')) return JSON.parse(word);
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
  if (word === "true" || word === "false") return word === "true";
  if (word === ".") return scope.dot;
  if (word.startsWith(".")) return field(scope.dot, word.slice(1).split("."));
  if (word.startsWith("$")) {
    const [name, ...path] = word.split(".");
    const base = name === "$" ? scope.root : scope.vars[name!];
    return field(base, path);
  }
  throw new Error(`helm-template: unknown operand "${word}"`);
}

const truthy = (v: unknown) =>
  !(v === undefined || v === null || v === false || v === 0 || v === "") &&
  !(Array.isArray(v) && v.length === 0) &&
  !(typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);

const indentLines = (n: number, s: string) =>
  s
    .split("\n")
    .map((l) => " ".repeat(n) + l)
    .join("\n");

const functions: Record<string, (...args: unknown[]) => unknown> = {
  toYaml: (v) => (v === undefined || v === null ? "null" : stringify(v).replace(/\n$/, "")),
  nindent: (n, s) => `\n${indentLines(n as number, String(s))}`,
  indent: (n, s) => indentLines(n as number, String(s)),
  quote: (v) => JSON.stringify(v === undefined || v === null ? "" : String(v)),
  default: (d, v) => (truthy(v) ? v : d),
  not: (v) => !truthy(v),
};

function evaluate(expr: string, scope: Scope): unknown {
  let piped: unknown;
  let first = true;
  for (const command of expr.split("|").map((c) => c.trim())) {
    const [head, ...rest] = words(command);
    if (head === undefined) throw new Error(`helm-template: empty command in "${expr}"`);
    const fn = functions[head];
    if (fn) {
      const args = rest.map((w) => operand(w, scope));
      piped = fn(...(first ? args : [...args, piped]));
    } else if (first && rest.length === 0) piped = operand(head, scope);
    else throw new Error(`helm-template: unknown function "${head}" in "${expr}"`);
    first = false;
  }
  return piped;
}

function run(nodes: Node[], scope: Scope): string {
  let out = "";
  for (const n of nodes) {
    if (n.type === "text") out += n.text;
    else if (n.type === "action") {
      const v = evaluate(n.expr, scope);
      out += v === undefined || v === null ? "" : String(v);
    } else if (n.type === "if") out += run(truthy(evaluate(n.cond, scope)) ? n.whenTrue : n.whenFalse, scope);
    else {
      const over = evaluate(n.expr, scope);
      const entries: [unknown, unknown][] = Array.isArray(over)
        ? over.map((v, i) => [i, v])
        : over && typeof over === "object"
          ? Object.keys(over)
              .sort()
              .map((k) => [k, (over as Record<string, unknown>)[k]])
          : [];
      for (const [k, v] of entries) {
        const vars = { ...scope.vars };
        if (n.key) vars[n.key] = k;
        if (n.value) vars[n.value] = v;
        out += run(n.body, { ...scope, dot: v, vars });
      }
    }
  }
  return out;
}

/** Renders one template with Helm's top-level objects (Values, Release, Chart). */
export function renderTemplate(
  template: string,
  context: { Values: unknown; Release: { Name: string; Namespace: string }; Chart?: unknown },
): string {
  return run(parse(template), { dot: context, root: context, vars: {} });
}
