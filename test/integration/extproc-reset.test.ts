/**
 * Envoy's ext_proc filter resets every side stream at the end of its request (RST_STREAM) unless
 * `envoy.reloadable_features.ext_proc_graceful_grpc_close` is on; nghttp2's rapid-reset limit (a
 * burst of 1,000, then 33/s) used to answer that with GOAWAY(INTERNAL_ERROR) after ~1 s at
 * 1,000 req/s, failing every pick in flight. Bounded: 5,000 streams at 1,000/s over one connection.
 */
import http2 from "node:http2";
import { describe, expect, it } from "vitest";
import { runResetLoad } from "./extproc-reset-client.js";
import { extprocTransports, poolApi, pushPods, standardPods } from "./helpers/extproc-picker.js";
import { loopbackPorts, startCli } from "./helpers/spawn-cli.js";

describe.each(extprocTransports)("serve (ext_proc transport $transport): RST_STREAM endings", ({ flag }) => {
  it("answers every pick when the client resets every stream after its reply, 5,000 streams at 1,000/s", async () => {
    const picker = await startCli(["serve", "--config", "test/fixtures/extproc", ...flag, ...loopbackPorts], {
      waitFor: ["api", "extproc", "metrics"],
    });
    try {
      await pushPods(poolApi(picker.port("api")), standardPods);
      const run = await runResetLoad(picker.port("extproc"), {
        streams: 5000,
        rate: 1000,
        // A bound, not a latency target: on a busy host the connect transport falls seconds behind.
        streamTimeoutMs: 60_000,
      });
      expect(run.failures).toEqual([]);
      expect(run.answered).toBe(5000);
      // Only graceful GOAWAYs (NO_ERROR): the connection was retired, never torn down.
      expect(run.goaways.filter((g) => g.code !== http2.constants.NGHTTP2_NO_ERROR)).toEqual([]);
      // The connection is retired before the limit, not after it: a log line and a count for each.
      const retired = picker.logs.filter((l) => l.msg === "extproc connection retired");
      expect(retired.length).toBeGreaterThan(0);
      expect(retired[0]).toMatchObject({ code: 0, codeName: "NO_ERROR" });
      expect(picker.logs.filter((l) => l.msg === "extproc connection error")).toEqual([]);
      const metrics = await (await fetch(`http://127.0.0.1:${picker.port("metrics")}/metrics`)).text();
      expect(metrics).toContain(
        `inference_extension_extproc_connection_events_total{event="retired",code="NO_ERROR"} ${retired.length}`,
      );
    } finally {
      await picker.stop();
    }
  }, 120_000);
});
