/**
 * Process and runtime metrics under the names prom-client's default collectors use
 * (process_cpu_user_seconds_total, process_resident_memory_bytes, nodejs_eventloop_lag_seconds,
 * nodejs_gc_duration_seconds, ...), so Node dashboards work unchanged, rendered by our own registry:
 * one registry, no global state, no second exposition format (runtimes/node/README.md, "Metrics").
 */
import { readdirSync } from "node:fs";
import {
  type IntervalHistogram,
  monitorEventLoopDelay,
  type PerformanceEntry,
  PerformanceObserver,
} from "node:perf_hooks";
import { MetricsRegistry } from "../../src/metrics/registry.js";

/** prom-client's GC buckets (seconds). */
const GC_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];
/** perf_hooks GC kinds as prom-client labels them. */
const GC_KINDS: Record<number, string> = { 1: "minor", 2: "major", 4: "incremental", 8: "weakcb" };

/** Starts the collectors; `stop()` ends the event-loop monitor and the GC observer. */
export interface ProcessMetrics {
  readonly registry: MetricsRegistry;
  stop(): void;
}

/**
 * @example
 * const p = startProcessMetrics();
 * const text = routerMetrics.expose() + p.registry.expose();
 * p.stop();
 */
export function startProcessMetrics(registry: MetricsRegistry = new MetricsRegistry()): ProcessMetrics {
  const r = registry;
  const cpuUser = r.counter("process_cpu_user_seconds_total", "Total user CPU time spent in seconds.");
  const cpuSystem = r.counter("process_cpu_system_seconds_total", "Total system CPU time spent in seconds.");
  const cpu = r.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.");
  const start = r.gauge(
    "process_start_time_seconds",
    "Start time of the process since unix epoch in seconds.",
  );
  const rss = r.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  const heap = r.gauge("process_heap_bytes", "Process heap size in bytes.");
  const fds = r.gauge("process_open_fds", "Number of open file descriptors.");
  const lag = r.gauge("nodejs_eventloop_lag_seconds", "Lag of event loop in seconds.");
  const lagStats = (
    [
      ["min", "The minimum recorded event loop delay."],
      ["max", "The maximum recorded event loop delay."],
      ["mean", "The mean of the recorded event loop delays."],
      ["stddev", "The standard deviation of the recorded event loop delays."],
      ["p50", "The 50th percentile of the recorded event loop delays."],
      ["p90", "The 90th percentile of the recorded event loop delays."],
      ["p99", "The 99th percentile of the recorded event loop delays."],
    ] as const
  ).map(([k, help]) => [k, r.gauge(`nodejs_eventloop_lag_${k}_seconds`, help)] as const);
  const heapTotal = r.gauge("nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.");
  const heapUsed = r.gauge("nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.");
  const external = r.gauge("nodejs_external_memory_bytes", "Node.js external memory size in bytes.");
  const gc = r.histogram(
    "nodejs_gc_duration_seconds",
    "Garbage collection duration by kind, one of minor, major, incremental or weakcb.",
    ["kind"],
    GC_BUCKETS,
  );
  const version = r.gauge("nodejs_version_info", "Node.js version info.", [
    "version",
    "major",
    "minor",
    "patch",
  ]);
  const [major = "", minor = "", patch = ""] = process.versions.node.split(".");
  version.labels(process.version, major, minor, patch).set(1);
  start.labels().set(Math.round((Date.now() - process.uptime() * 1000) / 1000));

  // 10 ms resolution, prom-client's default: finer costs timer wake-ups for nothing a dashboard shows.
  const delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = GC_KINDS[e.detail?.kind ?? 0] ?? "unknown";
      gc.labels(kind).observe(e.duration / 1000);
    }
  });
  gcObserver.observe({ entryTypes: ["gc"] });

  r.onCollect(() => {
    const u = process.cpuUsage();
    cpuUser.labels().value = u.user / 1e6;
    cpuSystem.labels().value = u.system / 1e6;
    cpu.labels().value = (u.user + u.system) / 1e6;
    const m = process.memoryUsage();
    rss.labels().set(m.rss);
    heap.labels().set(m.heapTotal);
    heapTotal.labels().set(m.heapTotal);
    heapUsed.labels().set(m.heapUsed);
    external.labels().set(m.external);
    fds.reset();
    try {
      fds.labels().set(readdirSync("/proc/self/fd").length);
    } catch {
      // Not Linux: prom-client leaves process_open_fds out too.
    }
    // Delays since the previous scrape (the histogram resets after each), in seconds like prom-client.
    const ns = (v: number) => (Number.isFinite(v) ? v / 1e9 : 0);
    lag.labels().set(ns(delay.mean));
    const values: Record<string, number> = {
      min: delay.min,
      max: delay.max,
      mean: delay.mean,
      stddev: delay.stddev,
      p50: delay.percentile(50),
      p90: delay.percentile(90),
      p99: delay.percentile(99),
    };
    for (const [k, g] of lagStats) g.labels().set(ns(values[k] ?? 0));
    delay.reset();
  });

  return {
    registry: r,
    stop() {
      delay.disable();
      gcObserver.disconnect();
    },
  };
}
