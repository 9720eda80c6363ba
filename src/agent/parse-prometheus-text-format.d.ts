/**
 * Types for parse-prometheus-text-format 1.1 (the package ships none). Only the parts the agent
 * reads are typed: every sample value arrives as the string written in the exposition.
 */
declare module "parse-prometheus-text-format" {
  /** One sample (gauge/counter/untyped) or one flattened histogram/summary. */
  export interface ParsedSample {
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    count?: string;
    sum?: string;
  }
  /** One metric family, in exposition order. */
  export interface ParsedFamily {
    name: string;
    help: string;
    /** "GAUGE" | "COUNTER" | "HISTOGRAM" | "SUMMARY" | "UNTYPED" (upper case). */
    type: string;
    metrics: ParsedSample[];
  }
  /** @throws Error ("Encountered invalid line: ...") on some malformed lines. */
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
