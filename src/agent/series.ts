/**
 * Picking and folding the series of one metric family: label matching, sums for counts, means for
 * fractions, and the "latest" series of info-style gauges whose value is a timestamp.
 */
import type { MetricFamilies, Series } from "./exposition.js";
import { ScrapeError } from "./scrape-error.js";

/** Label values a series must carry, e.g. `{ request_type: "waiting" }`. */
export type LabelMatch = Readonly<Record<string, string>>;

/** The series of `name` whose labels include every pair of `match`; empty when the family is absent. */
export function selectSeries(families: MetricFamilies, name: string, match: LabelMatch = {}): Series[] {
  const all = families.get(name) ?? [];
  const keys = Object.keys(match);
  if (keys.length === 0) return [...all];
  return all.filter((s) => keys.every((k) => s.labels[k] === match[k]));
}

/** Like selectSeries, but at least one series must exist. @throws ScrapeError("missing-metric") */
export function requireSeries(families: MetricFamilies, name: string, match: LabelMatch = {}): Series[] {
  const found = selectSeries(families, name, match);
  if (found.length === 0)
    throw new ScrapeError("missing-metric", `${describe(name, match)} is not in the scrape`, name);
  return found;
}

/** `name{k="v",...}` as a person writes it, for messages. */
export function describe(name: string, match: LabelMatch = {}): string {
  const pairs = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
  return pairs.length ? `${name}{${pairs.join(",")}}` : name;
}

/**
 * A request count summed over series (one per data-parallel engine index, for example).
 * @throws ScrapeError("bad-value") when a value is negative, NaN or infinite.
 */
export function sumCount(series: readonly Series[], name: string): number {
  let total = 0;
  for (const s of series) {
    if (!Number.isFinite(s.value) || s.value < 0) {
      throw new ScrapeError(
        "bad-value",
        `${name} has the value ${s.value}; a count must be a finite number >= 0`,
        name,
      );
    }
    total += s.value;
  }
  return Math.round(total);
}

/**
 * A 0..1 fraction averaged over series and clamped to [0, 1]. The mean is the pod's overall KV use
 * when every data-parallel rank has a cache of the same size, which is how vLLM and SGLang split it.
 * @throws ScrapeError("bad-value") when a value is NaN or infinite.
 */
export function meanFraction(series: readonly Series[], name: string): number {
  let total = 0;
  for (const s of series) {
    if (!Number.isFinite(s.value)) {
      throw new ScrapeError("bad-value", `${name} has the value ${s.value}; a fraction must be finite`, name);
    }
    total += s.value;
  }
  const mean = series.length ? total / series.length : 0;
  return Math.min(1, Math.max(0, mean));
}

/** The series with the largest value (info gauges whose value is the time they were last set). */
export function latestSeries(series: readonly Series[]): Series | undefined {
  let best: Series | undefined;
  for (const s of series) if (!best || s.value > best.value) best = s;
  return best;
}

/** A non-negative integer label value, or 0 when absent or not a number. */
export function intLabel(series: Series | undefined, label: string): number {
  const n = Number(series?.labels[label]);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** A comma-separated label value split into trimmed, non-empty names. */
export function listLabel(series: Series | undefined, label: string): string[] {
  const text = series?.labels[label] ?? "";
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
