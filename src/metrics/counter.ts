/** A monotonically increasing counter with labels. */
import { formatLabels, formatValue } from "./exposition.js";
import { Labeled, type MetricType } from "./labeled.js";

/** One label-value tuple's count. */
export class CounterChild {
  value = 0;
  /** Adds `by` (default 1); negative amounts are refused. */
  inc(by = 1): void {
    if (!(by >= 0)) throw new RangeError(`counter increment ${by} must be >= 0`);
    this.value += by;
  }
}

/**
 * @example
 * const c = registry.counter("requests_total", "Requests.", ["model"]);
 * c.labels("llama").inc();
 */
export class Counter extends Labeled<CounterChild> {
  protected readonly type: MetricType = "counter";
  protected create(): CounterChild {
    return new CounterChild();
  }
  protected renderChild(
    out: string[],
    name: string,
    labelNames: readonly string[],
    values: readonly string[],
    child: CounterChild,
  ): void {
    out.push(`${name}${formatLabels(labelNames, values)} ${formatValue(child.value)}`);
  }
}
