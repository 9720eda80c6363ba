/** A cumulative histogram with fixed upper bounds (`le`), `_sum` and `_count`, with labels. */
import { formatLabels, formatValue } from "./exposition.js";
import { Labeled, type MetricOptions, type MetricType } from "./labeled.js";

/** One label-value tuple's buckets. Counts are per bucket; rendering makes them cumulative. */
export class HistogramChild {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && value > (b[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/**
 * @example
 * const h = registry.histogram("duration_seconds", "Durations.", [], [0.1, 1, 10]);
 * h.labels().observe(0.25);
 */
export class Histogram extends Labeled<HistogramChild> {
  protected readonly type: MetricType = "histogram";
  readonly buckets: readonly number[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
    options?: MetricOptions,
  ) {
    if (labelNames.includes("le")) throw new RangeError(`histogram ${name}: "le" is a reserved label`);
    super(name, help, labelNames, options);
    for (let i = 1; i < buckets.length; i++) {
      if (!((buckets[i] as number) > (buckets[i - 1] as number))) {
        throw new RangeError(`histogram ${name}: buckets must increase (${buckets.join(", ")})`);
      }
    }
    this.buckets = buckets.filter((b) => b !== Number.POSITIVE_INFINITY);
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.buckets);
  }

  protected renderChild(
    out: string[],
    name: string,
    labelNames: readonly string[],
    values: readonly string[],
    child: HistogramChild,
  ): void {
    const names = [...labelNames, "le"];
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += child.counts[i] ?? 0;
      const le = i < this.buckets.length ? formatValue(this.buckets[i] as number) : "+Inf";
      out.push(`${name}_bucket${formatLabels(names, [...values, le])} ${cumulative}`);
    }
    const labels = formatLabels(labelNames, values);
    out.push(`${name}_sum${labels} ${formatValue(child.sum)}`, `${name}_count${labels} ${child.count}`);
  }
}
