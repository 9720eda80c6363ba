/**
 * A small Prometheus registry on Web APIs only: counters, gauges and histograms with labels, rendered
 * in the text format 0.0.4. No default process metrics (runtimes may add their own collectors).
 */
import { Counter } from "./counter.js";
import { Gauge } from "./gauge.js";
import { Histogram } from "./histogram.js";
import type { Collectable, MetricOptions } from "./labeled.js";

/**
 * Holds metrics by name and renders them.
 *
 * @example
 * const registry = new MetricsRegistry();
 * registry.counter("requests_total", "Requests.", ["model"]).labels("llama").inc();
 * const text = registry.expose();
 */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Collectable>();
  /** Every rendered name (twins included): two metrics must not render under one name. */
  readonly #names = new Set<string>();
  readonly #collectors: (() => void)[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = [], options?: MetricOptions): Counter {
    return this.#add(new Counter(name, help, labelNames, options));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = [], options?: MetricOptions): Gauge {
    return this.#add(new Gauge(name, help, labelNames, options));
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
    options?: MetricOptions,
  ): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets, options));
  }

  /** Runs `fn` before every exposition (to refresh gauges computed from state). */
  onCollect(fn: () => void): void {
    this.#collectors.push(fn);
  }

  /** Every metric name this registry renders (twins included), in registration order. */
  names(): string[] {
    return [...this.#names];
  }

  /** The text exposition of every metric, in registration order, ending with a line feed. */
  expose(): string {
    for (const fn of this.#collectors) fn();
    const out: string[] = [];
    for (const m of this.#metrics.values()) m.render(out);
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }

  #add<M extends Collectable>(metric: M): M {
    for (const n of metric.names)
      if (this.#names.has(n)) throw new RangeError(`metric ${n} is already registered`);
    for (const n of metric.names) this.#names.add(n);
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
