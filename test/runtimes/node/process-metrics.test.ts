import { describe, expect, it } from "vitest";
import { startProcessMetrics } from "../../../runtimes/node/process-metrics.js";

describe("startProcessMetrics", () => {
  it("exports CPU, memory, event-loop and GC metrics under prom-client's default names and types", () => {
    const p = startProcessMetrics();
    try {
      const text = p.registry.expose();
      const types: [string, string][] = [
        ["process_cpu_user_seconds_total", "counter"],
        ["process_cpu_system_seconds_total", "counter"],
        ["process_cpu_seconds_total", "counter"],
        ["process_start_time_seconds", "gauge"],
        ["process_resident_memory_bytes", "gauge"],
        ["process_heap_bytes", "gauge"],
        ["nodejs_eventloop_lag_seconds", "gauge"],
        ["nodejs_eventloop_lag_p99_seconds", "gauge"],
        ["nodejs_heap_size_used_bytes", "gauge"],
        ["nodejs_gc_duration_seconds", "histogram"],
        ["nodejs_version_info", "gauge"],
      ];
      for (const [name, type] of types) expect(text).toContain(`# TYPE ${name} ${type}\n`);
      const rss = Number(/^process_resident_memory_bytes (\S+)$/m.exec(text)?.[1]);
      expect(rss).toBeGreaterThan(1024 * 1024);
      expect(text).toContain(`nodejs_version_info{version="${process.version}"`);
      expect(Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    } finally {
      p.stop();
    }
  });
});
