/**
 * A small Prometheus registry on Web APIs only: counters, gauges and histograms with labels, rendered
 * in the text format 0.0.4. No default process metrics (runtimes may add their own collectors).
 */
import { Counter } from "./counter.js";
import { Gauge } from "./gauge.js";
import { Histogram } from "./histogram.js";
import type { Collectable } from "./labeled.js";

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
  readonly #collectors: (() => void)[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(new Gauge(name, help, labelNames));
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }

  /** Runs `fn` before every exposition (to refresh gauges computed from state). */
  onCollect(fn: () => void): void {
    this.#collectors.push(fn);
  }

  /** The text exposition of every metric, in registration order, ending with a line feed. */
  expose(): string {
    for (const fn of this.#collectors) fn();
    const out: string[] = [];
    for (const m of this.#metrics.values()) m.render(out);
    return out.length === 0 ? "" : `${out.join("\n")}\n`;
  }

  #add<M extends Collectable>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new RangeError(`metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }
}
