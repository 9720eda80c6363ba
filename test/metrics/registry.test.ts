import { describe, expect, it } from "vitest";
import { escapeHelp, escapeLabelValue, formatValue } from "../../src/metrics/exposition.js";
import { MetricsRegistry } from "../../src/metrics/registry.js";

describe("MetricsRegistry", () => {
  it("renders counters and gauges with HELP, TYPE and labels", () => {
    const r = new MetricsRegistry();
    r.counter("requests_total", "Requests.", ["model"]).labels("llama").inc(2);
    r.gauge("ready", "Ready pods.").labels().set(3);
    expect(r.expose()).toBe(
      [
        "# HELP requests_total Requests.",
        "# TYPE requests_total counter",
        'requests_total{model="llama"} 2',
        "# HELP ready Ready pods.",
        "# TYPE ready gauge",
        "ready 3",
        "",
      ].join("\n"),
    );
  });

  it("renders histograms cumulatively with +Inf, _sum and _count", () => {
    const r = new MetricsRegistry();
    const h = r.histogram("d_seconds", "D.", ["m"], [0.1, 1]);
    h.labels("a").observe(0.05);
    h.labels("a").observe(0.1);
    h.labels("a").observe(5);
    const text = r.expose();
    expect(text).toContain('d_seconds_bucket{m="a",le="0.1"} 2');
    expect(text).toContain('d_seconds_bucket{m="a",le="1"} 2');
    expect(text).toContain('d_seconds_bucket{m="a",le="+Inf"} 3');
    expect(text).toContain('d_seconds_sum{m="a"} 5.15');
    expect(text).toContain('d_seconds_count{m="a"} 3');
  });

  it("escapes label values and help text per the text format", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeHelp("x\\y\nz")).toBe("x\\\\y\\nz");
    const r = new MetricsRegistry();
    r.counter("c_total", "line\nbreak", ["v"]).labels('say "hi"').inc();
    expect(r.expose()).toContain('c_total{v="say \\"hi\\""} 1');
    expect(r.expose()).toContain("# HELP c_total line\\nbreak");
  });

  it("spells special values the Prometheus way", () => {
    expect(formatValue(Number.POSITIVE_INFINITY)).toBe("+Inf");
    expect(formatValue(Number.NEGATIVE_INFINITY)).toBe("-Inf");
    expect(formatValue(Number.NaN)).toBe("NaN");
  });

  it("refuses bad names, duplicate metrics, wrong label counts and negative increments", () => {
    const r = new MetricsRegistry();
    expect(() => r.counter("bad-name", "x")).toThrow(/not a valid/);
    expect(() => r.counter("ok_total", "x", ["__reserved"])).toThrow(/label name/);
    const c = r.counter("ok_total", "x", ["a"]);
    expect(() => r.gauge("ok_total", "x")).toThrow(/already registered/);
    expect(() => c.labels("1", "2")).toThrow(/2 label values given, 1 expected/);
    expect(() => c.labels("1").inc(-1)).toThrow(/>= 0/);
    expect(() => r.histogram("h", "x", ["le"], [1])).toThrow(/reserved/);
    expect(() => r.histogram("h2", "x", [], [2, 1])).toThrow(/increase/);
  });

  it("runs collectors before each exposition", () => {
    const r = new MetricsRegistry();
    const g = r.gauge("g", "G.");
    let n = 0;
    r.onCollect(() => g.labels().set(++n));
    r.expose();
    expect(r.expose()).toContain("g 2");
  });
});
