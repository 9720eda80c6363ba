/**
 * SVG heatmaps of regret (matrix point x strategy, coloured by a ratio) drawn with vega-lite,
 * rendered headless by vega's SVG renderer. Both are devDependencies; when they are missing the
 * benchmark still prints tables and writes CSV, and says the charts were skipped.
 */
import type { RegretCell } from "./regret.js";

/** One heatmap: a ratio field of the cells. */
export interface HeatmapSpec {
  file: string;
  title: string;
  field: "vsBest" | "vsRoundRobin";
  /** Legend title. */
  legend: string;
}

/** The two heatmaps the report writes. */
export const heatmaps: readonly HeatmapSpec[] = [
  {
    file: "regret-vs-best.svg",
    title: "p90 e2e / the best strategy's at each point",
    field: "vsBest",
    legend: "x best",
  },
  {
    file: "ratio-vs-round-robin.svg",
    title: "p90 e2e / round-robin's at each point",
    field: "vsRoundRobin",
    legend: "x round-robin",
  },
];

/**
 * Renders each heatmap to SVG text (log colour scale centred on 1 and clamped to 0.5..3, the ratio printed in each cell).
 * Returns the reason instead when vega / vega-lite cannot be loaded.
 */
export async function renderHeatmaps(
  cells: readonly RegretCell[],
  specs: readonly HeatmapSpec[],
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
  const points = [...new Set(cells.map((c) => c.point))];
  const strategies = strategyOrder.filter((s) => cells.some((c) => c.strategy === s));
  const svgs = new Map<string, string>();
  for (const h of specs) {
    const values = cells.map((c) => ({
      point: c.point,
      strategy: c.strategy,
      value: c[h.field],
      label: c[h.field].toFixed(2),
    }));
    const x = { field: "strategy", type: "nominal" as const, sort: strategies, title: "strategy" };
    const y = {
      field: "point",
      type: "nominal" as const,
      sort: points,
      title: null,
      axis: { labelLimit: 480 },
    };
    const spec = vl.compile({
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: h.title,
      background: "white",
      data: { values },
      width: 70 * strategies.length,
      height: 18 * points.length,
      encoding: { x: { ...x, axis: { labelAngle: -30 } }, y },
      layer: [
        {
          mark: "rect",
          encoding: {
            color: {
              field: "value",
              type: "quantitative",
              title: h.legend,
              // Clamped to 0.5..3 so one far-off strategy does not wash out the differences that matter.
              scale: {
                type: "log",
                scheme: "redyellowgreen",
                reverse: true,
                domain: [0.5, 3],
                domainMid: 1,
                clamp: true,
              },
            },
          },
        },
        { mark: { type: "text", fontSize: 9 }, encoding: { text: { field: "label", type: "nominal" } } },
      ],
    }).spec;
    const view = new vega.View(vega.parse(spec), { renderer: "none" });
    svgs.set(h.file, await view.toSVG());
    view.finalize();
  }
  return { svgs };
}

/** One line chart: a value of each row against x, one line per strategy. */
export interface LineChartSpec<Row> {
  file: string;
  title: string;
  xTitle: string;
  yTitle: string;
  value: (row: Row) => number;
}

/**
 * Renders each line chart to SVG text (log y scale: the Service baseline is orders of magnitude
 * above the routed strategies under load, and a linear axis would flatten the rest to the floor).
 * Returns the reason instead when vega / vega-lite cannot be loaded.
 */
export async function renderLineCharts<Row>(
  points: readonly { x: number; strategy: string; row: Row }[],
  specs: readonly LineChartSpec<Row>[],
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
  for (const c of specs) {
    const values = points.map((p) => ({ x: p.x, strategy: p.strategy, y: c.value(p.row) }));
    const spec = vl.compile({
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: c.title,
      background: "white",
      width: 560,
      height: 320,
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "x", type: "quantitative", title: c.xTitle },
        y: { field: "y", type: "quantitative", title: c.yTitle, scale: { type: "log" } },
        color: { field: "strategy", type: "nominal", sort: [...strategyOrder], title: "strategy" },
      },
    }).spec;
    const view = new vega.View(vega.parse(spec), { renderer: "none" });
    svgs.set(c.file, await view.toSVG());
    view.finalize();
  }
  return { svgs };
}
