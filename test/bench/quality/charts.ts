/**
 * SVG line charts (one line per strategy) drawn with vega-lite, rendered headless by vega's SVG
 * renderer. Both are devDependencies; when they are missing the benchmark still prints tables and
 * writes CSV, and says the charts were skipped.
 */
import type { ResultRow } from "./summary.js";

/** One chart: a metric of the rows against QPS. */
export interface ChartSpec {
  file: string;
  title: string;
  field: keyof ResultRow;
  axis: string;
  log?: boolean;
  /** Divide the metric by this (ms -> s). */
  scale?: number;
}

/** The three charts the report shows per workload and grid. */
export function chartsFor(prefix: string, label: string): ChartSpec[] {
  return [
    { file: `${prefix}-tpot-p90.svg`, title: `${label}: p90 TPOT`, field: "tpotP90", axis: "p90 TPOT (ms)" },
    {
      file: `${prefix}-e2e-p90.svg`,
      title: `${label}: p90 end-to-end latency`,
      field: "e2eP90",
      axis: "p90 e2e (s, log)",
      log: true,
      scale: 1000,
    },
    {
      file: `${prefix}-throughput.svg`,
      title: `${label}: throughput`,
      field: "throughputTps",
      axis: "output tokens/s",
    },
  ];
}

/**
 * Renders each chart to SVG text. Returns undefined (and the reason) when vega / vega-lite cannot be
 * loaded.
 */
export async function renderCharts(
  rows: readonly ResultRow[],
  charts: readonly ChartSpec[],
  strategyOrder: readonly string[],
): Promise<{ svgs: Map<string, string> } | { skipped: string }> {
  let vl: typeof import("vega-lite");
  let vega: typeof import("vega");
  try {
    vl = await import("vega-lite");
    vega = await import("vega");
  } catch (err) {
    return {
      skipped: `vega / vega-lite not installed (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  const svgs = new Map<string, string>();
  for (const c of charts) {
    const values = rows.map((r) => ({
      qps: r.qps,
      strategy: r.strategy,
      value: (r[c.field] as number) / (c.scale ?? 1),
    }));
    const spec = vl.compile({
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: c.title,
      width: 560,
      height: 320,
      background: "white",
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "qps", type: "quantitative", title: "offered load (QPS)" },
        y: {
          field: "value",
          type: "quantitative",
          title: c.axis,
          scale: c.log ? { type: "log" } : { zero: false },
        },
        color: { field: "strategy", type: "nominal", sort: [...strategyOrder], title: "strategy" },
      },
    }).spec;
    const view = new vega.View(vega.parse(spec), { renderer: "none" });
    svgs.set(c.file, await view.toSVG());
    view.finalize();
  }
  return { svgs };
}
