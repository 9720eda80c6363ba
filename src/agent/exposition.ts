/**
 * The Prometheus text format, parsed with parse-prometheus-text-format and then checked, because
 * that library is lenient: it drops a last line without a newline, keeps a sample whose value is
 * not a number, and accepts "metric names" like `<html>`. Only gauge/counter/untyped samples are
 * kept; histograms and summaries are skipped (no engine mapping reads them).
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { ScrapeError } from "./scrape-error.js";

/** One sample of a metric family: its labels (possibly none) and its value. */
export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Samples by metric family name, in exposition order. */
export type MetricFamilies = ReadonlyMap<string, readonly Series[]>;

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const skippedTypes = new Set(["HISTOGRAM", "SUMMARY"]);

/**
 * Parses a /metrics body.
 *
 * @throws ScrapeError("parse") naming the first line or value that is not the text format.
 * @example
 * const families = parseExposition('vllm:num_requests_waiting{engine="0"} 3\n');
 * families.get("vllm:num_requests_waiting"); // [{ labels: { engine: "0" }, value: 3 }]
 */
export function parseExposition(text: string): MetricFamilies {
  // The library loses the last sample when the body does not end with a newline.
  const body = text.endsWith("\n") ? text : `${text}\n`;
  let parsed: ReturnType<typeof parsePrometheusTextFormat>;
  try {
    parsed = parsePrometheusTextFormat(body);
  } catch (err) {
    throw new ScrapeError("parse", `not the Prometheus text format: ${shorten((err as Error).message)}`);
  }
  const families = new Map<string, Series[]>();
  for (const family of parsed) {
    if (!metricName.test(family.name)) {
      throw new ScrapeError(
        "parse",
        `not the Prometheus text format: bad metric name ${shorten(family.name)}`,
      );
    }
    if (skippedTypes.has(family.type)) continue;
    let list = families.get(family.name);
    if (!list) {
      list = [];
      families.set(family.name, list);
    }
    for (const sample of family.metrics) {
      if (sample.value === undefined) continue;
      const value = parseSampleValue(sample.value);
      if (value === undefined) {
        throw new ScrapeError(
          "parse",
          `not the Prometheus text format: ${family.name} has the value ${shorten(sample.value)}`,
          family.name,
        );
      }
      list.push({ labels: sample.labels ?? {}, value });
    }
  }
  return families;
}

/** A sample value as the text format writes it: a float, "+Inf", "-Inf" or "NaN". */
function parseSampleValue(text: string): number | undefined {
  if (text === "") return undefined;
  if (/^[+]?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  const n = Number(text);
  return Number.isNaN(n) ? undefined : n;
}

function shorten(text: string): string {
  const t = JSON.stringify(text);
  return t.length > 80 ? `${t.slice(0, 77)}..."` : t;
}
