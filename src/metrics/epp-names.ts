/**
 * How the router's metric families are named: upstream's canonical llm_d_epp_<suffix>, each with the
 * deprecated name upstream still emits as a twin (../shared/UPSTREAM.md 2.4). Shared by the files that
 * register the router's families (router-metrics.ts and its neighbours).
 */
import type { MetricOptions } from "./labeled.js";
import type { MetricsRegistry } from "./registry.js";

/** Upstream's canonical metric prefix (the llm-d router's endpoint picker). */
export function epp(suffix: string): string {
  return `llm_d_epp_${suffix}`;
}

export interface NamedMetric {
  name: string;
  help: string;
  options: MetricOptions;
}

/** A metric under llm_d_epp_<suffix> and its deprecated upstream name (none: undefined). */
export function named(
  suffix: string,
  deprecated: string | undefined,
  help: string,
  options: MetricOptions = {},
): NamedMetric {
  return {
    name: epp(suffix),
    help,
    options:
      deprecated === undefined
        ? options
        : { ...options, twins: [{ name: deprecated, help: `[Deprecated: use ${epp(suffix)}] ${help}` }] },
  };
}

/** Registration helpers over one registry for {@link named} families. */
export function eppFamilies(r: MetricsRegistry) {
  return {
    counter: (n: NamedMetric, labels: readonly string[] = []) => r.counter(n.name, n.help, labels, n.options),
    gauge: (n: NamedMetric, labels: readonly string[] = []) => r.gauge(n.name, n.help, labels, n.options),
    histogram: (n: NamedMetric, labels: readonly string[], buckets: readonly number[]) =>
      r.histogram(n.name, n.help, labels, buckets, n.options),
  };
}
