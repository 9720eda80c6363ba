/**
 * Prometheus text exposition format 0.0.4: escaping and number rendering, shared by every metric
 * kind. See https://prometheus.io/docs/instrumenting/exposition_formats/.
 */

/** Content-Type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** HELP text: backslash and line feed are escaped. */
export function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** Label values: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** A sample value: integers plainly, `+Inf`, `-Inf`, `NaN` as the format spells them. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

/** `{a="x",b="y"}` for the given names and values (empty string when there are none). */
export function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return "";
  let out = "{";
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ",";
    out += `${names[i]}="${escapeLabelValue(values[i] ?? "")}"`;
  }
  return `${out}}`;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Throws RangeError for a metric or label name the format does not allow (`le` is reserved for histograms). */
export function checkNames(name: string, labelNames: readonly string[]): void {
  if (!METRIC_NAME.test(name)) throw new RangeError(`metric name "${name}" is not a valid Prometheus name`);
  for (const l of labelNames) {
    if (!LABEL_NAME.test(l) || l.startsWith("__")) {
      throw new RangeError(`metric ${name}: label name "${l}" is not a valid Prometheus label name`);
    }
  }
}
