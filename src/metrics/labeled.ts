/** The part every metric kind shares: a name, help, label names and one child per label-value tuple. */
import { checkNames, escapeHelp } from "./exposition.js";

/** Metric kinds as the `# TYPE` line names them. */
export type MetricType = "counter" | "gauge" | "histogram";

/** A metric the registry can render. */
export interface Collectable {
  readonly name: string;
  /** Appends this metric's lines (HELP, TYPE, samples) to `out`. */
  render(out: string[]): void;
}

/** Base of Counter, Gauge and Histogram: children keyed by their label values. */
export abstract class Labeled<Child> implements Collectable {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly children = new Map<string, { values: readonly string[]; child: Child }>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    checkNames(name, labelNames);
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  protected abstract readonly type: MetricType;
  protected abstract create(): Child;
  protected abstract renderChild(out: string[], values: readonly string[], child: Child): void;

  /** The child for these label values (in `labelNames` order); created on first use. */
  labels(...values: string[]): Child {
    if (values.length !== this.labelNames.length) {
      throw new RangeError(
        `metric ${this.name}: ${values.length} label values given, ${this.labelNames.length} expected (${this.labelNames.join(", ")})`,
      );
    }
    const key = values.length === 1 ? (values[0] as string) : values.join("\u0000");
    let entry = this.children.get(key);
    if (!entry) {
      entry = { values, child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  /** Drops every child (gauges recomputed at scrape time start from empty). */
  reset(): void {
    this.children.clear();
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    for (const { values, child } of this.children.values()) this.renderChild(out, values, child);
  }
}
