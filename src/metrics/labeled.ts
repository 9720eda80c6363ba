/** The part every metric kind shares: a name, help, label names and one child per label-value tuple. */
import { checkNames, escapeHelp } from "./exposition.js";

/** Metric kinds as the `# TYPE` line names them. */
export type MetricType = "counter" | "gauge" | "histogram";

/** A metric the registry can render. */
export interface Collectable {
  readonly name: string;
  /** Every name this metric renders under (its own first, then its twins). */
  readonly names: readonly string[];
  /** Appends this metric's lines (HELP, TYPE, samples) to `out`. */
  render(out: string[]): void;
}

/**
 * A second name the same series render under: upstream renamed its metrics (llm_d_epp_*) and still
 * emits the old names, so dashboards built on either keep working. One child, rendered twice.
 */
export interface MetricTwin {
  name: string;
  help: string;
  /** The twin's label names, same order and count as the metric's; default the metric's own. */
  labelNames?: readonly string[];
}

/** Options every metric kind takes. */
export interface MetricOptions {
  /** Deprecated names the same series are also rendered under. */
  twins?: readonly MetricTwin[];
  /**
   * Labels whose distinct values are capped: values past `maxLabelValues` fold into `other`
   * (upstream caps model and fairness-id labels at 1,000), so one client cannot grow the scrape unbounded.
   */
  cappedLabels?: readonly string[];
  /** Default {@link MAX_LABEL_VALUES}. */
  maxLabelValues?: number;
}

/** Distinct values a capped label keeps before folding new ones into {@link OTHER_LABEL_VALUE}. */
export const MAX_LABEL_VALUES = 1000;
/** What capped label values fold into. */
export const OTHER_LABEL_VALUE = "other";

/** Base of Counter, Gauge and Histogram: children keyed by their label values. */
export abstract class Labeled<Child> implements Collectable {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly names: readonly string[];
  readonly #twins: readonly MetricTwin[];
  /** Per label index: the values seen so far when that label is capped. */
  readonly #capped: (Set<string> | undefined)[];
  readonly #maxValues: number;
  protected readonly children = new Map<string, { values: readonly string[]; child: Child }>();

  constructor(name: string, help: string, labelNames: readonly string[], options: MetricOptions = {}) {
    checkNames(name, labelNames);
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.#twins = options.twins ?? [];
    for (const t of this.#twins) {
      const names = t.labelNames ?? labelNames;
      checkNames(t.name, names);
      if (names.length !== labelNames.length)
        throw new RangeError(
          `metric ${name}: twin ${t.name} has ${names.length} labels, ${labelNames.length} expected`,
        );
    }
    this.names = [name, ...this.#twins.map((t) => t.name)];
    const capped = options.cappedLabels ?? [];
    for (const l of capped)
      if (!labelNames.includes(l))
        throw new RangeError(`metric ${name}: capped label "${l}" is not one of (${labelNames.join(", ")})`);
    this.#capped = labelNames.map((l) => (capped.includes(l) ? new Set<string>() : undefined));
    this.#maxValues = options.maxLabelValues ?? MAX_LABEL_VALUES;
  }

  protected abstract readonly type: MetricType;
  protected abstract create(): Child;
  protected abstract renderChild(
    out: string[],
    name: string,
    labelNames: readonly string[],
    values: readonly string[],
    child: Child,
  ): void;

  /** The child for these label values (in `labelNames` order); created on first use. */
  labels(...values: string[]): Child {
    if (values.length !== this.labelNames.length) {
      throw new RangeError(
        `metric ${this.name}: ${values.length} label values given, ${this.labelNames.length} expected (${this.labelNames.join(", ")})`,
      );
    }
    const key = values.length === 1 ? (values[0] as string) : values.join("\u0000");
    const entry = this.children.get(key);
    if (entry) return entry.child;
    // Only a new tuple can carry a new value: the cap costs nothing on the hot path.
    const folded = this.#fold(values);
    const foldedKey = folded.length === 1 ? (folded[0] as string) : folded.join("\u0000");
    let created = this.children.get(foldedKey);
    if (!created) {
      created = { values: folded, child: this.create() };
      this.children.set(foldedKey, created);
    }
    return created.child;
  }

  #fold(values: readonly string[]): readonly string[] {
    let out: string[] | undefined;
    for (let i = 0; i < values.length; i++) {
      const seen = this.#capped[i];
      const v = values[i] as string;
      if (seen === undefined || seen.has(v)) continue;
      if (seen.size < this.#maxValues) {
        seen.add(v);
        continue;
      }
      out ??= [...values];
      out[i] = OTHER_LABEL_VALUE;
    }
    return out ?? values;
  }

  /** Drops every child (gauges recomputed at scrape time start from empty); capped values are kept. */
  reset(): void {
    this.children.clear();
  }

  render(out: string[]): void {
    this.#renderAs(out, this.name, this.help, this.labelNames);
    for (const t of this.#twins) this.#renderAs(out, t.name, t.help, t.labelNames ?? this.labelNames);
  }

  #renderAs(out: string[], name: string, help: string, labelNames: readonly string[]): void {
    out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${this.type}`);
    for (const { values, child } of this.children.values())
      this.renderChild(out, name, labelNames, values, child);
  }
}
