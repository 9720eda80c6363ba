/** A value that goes up and down, with labels. */
import { formatLabels, formatValue } from "./exposition.js";
import { Labeled, type MetricType } from "./labeled.js";

/** One label-value tuple's value. */
export class GaugeChild {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(by = 1): void {
    this.value += by;
  }
  dec(by = 1): void {
    this.value -= by;
  }
}

/**
 * @example
 * registry.gauge("pool_ready_pods", "Ready pods.", ["name"]).labels("pool-a").set(3);
 */
export class Gauge extends Labeled<GaugeChild> {
  protected readonly type: MetricType = "gauge";
  protected create(): GaugeChild {
    return new GaugeChild();
  }
  protected renderChild(
    out: string[],
    name: string,
    labelNames: readonly string[],
    values: readonly string[],
    child: GaugeChild,
  ): void {
    out.push(`${name}${formatLabels(labelNames, values)} ${formatValue(child.value)}`);
  }
}
