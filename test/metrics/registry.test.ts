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

  it("renders a metric's twin with the same samples under its own name, help and label names", () => {
    const r = new MetricsRegistry();
    const g = r.gauge("new_queue", "Queue.", ["endpoint"], {
      twins: [{ name: "old_queue", help: "Old queue.", labelNames: ["pod"] }],
    });
    g.labels("10.0.0.1:8000").set(3);
    const text = r.expose();
    expect(text).toContain('new_queue{endpoint="10.0.0.1:8000"} 3');
    expect(text).toContain("# HELP old_queue Old queue.\n# TYPE old_queue gauge");
    expect(text).toContain('old_queue{pod="10.0.0.1:8000"} 3');
    expect(r.names()).toEqual(["new_queue", "old_queue"]);
  });

  it("refuses a metric whose twin name is taken, and a twin with another label count", () => {
    const r = new MetricsRegistry();
    r.counter("a_total", "A.");
    expect(() => r.counter("b_total", "B.", [], { twins: [{ name: "a_total", help: "x" }] })).toThrow(
      /a_total is already registered/,
    );
    expect(() =>
      r.counter("c_total", "C.", ["x"], { twins: [{ name: "d_total", help: "x", labelNames: [] }] }),
    ).toThrow(/twin d_total has 0 labels, 1 expected/);
  });

  it("folds values of a capped label past the limit into other, keeping the values it has seen", () => {
    const r = new MetricsRegistry();
    const c = r.counter("req_total", "R.", ["model", "code"], { cappedLabels: ["model"], maxLabelValues: 2 });
    for (const m of ["a", "b", "c", "d", "a"]) c.labels(m, "200").inc();
    c.labels("e", "500").inc();
    const text = r.expose();
    expect(text).toContain('req_total{model="a",code="200"} 2');
    expect(text).toContain('req_total{model="b",code="200"} 1');
    expect(text).toContain('req_total{model="other",code="200"} 2');
    expect(text).toContain('req_total{model="other",code="500"} 1');
    expect(text).not.toContain('model="c"');
    expect(() => r.counter("x_total", "X.", ["a"], { cappedLabels: ["b"] })).toThrow(/capped label "b"/);
  });
});
