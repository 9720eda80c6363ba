/**
 * Which stream endings the picker counts against nghttp2's rapid-reset limit (runtimes/node/
 * extproc-resets.ts). A client that half-closes and waits for the trailers (Envoy with
 * `ext_proc_graceful_grpc_close`, grpc-js) sends no RST_STREAM: its connection is never retired. One
 * that resets after half-closing (Envoy without the guard: RST_STREAM(NO_ERROR)) or resets once the
 * server has ended the stream first is retired before nghttp2's limit, never torn down with
 * GOAWAY(INTERNAL_ERROR). Bounded: 3,000 and 1,500 streams over one connection each.
 */
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ending, runEndingLoad } from "./extproc-raw-client.js";
import { extprocTransports, poolApi, pushPods, standardPods } from "./helpers/extproc-picker.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";

const retiredLine = "extproc connection retired";

describe.each(extprocTransports)(
  "serve (ext_proc transport $transport): graceful stream endings",
  ({ flag }) => {
    let picker: CliProcess;
    beforeAll(async () => {
      picker = await startCli(["serve", "--config", "test/fixtures/extproc", ...flag, ...loopbackPorts], {
        waitFor: ["api", "extproc", "metrics"],
      });
      await pushPods(poolApi(picker.port("api")), standardPods);
    }, 60_000);
    afterAll(() => picker?.stop());

    /** Runs the load and returns it with the retirements it logged. */
    async function load(ending: Ending, streams: number) {
      const from = picker.logs.length;
      // Faster than nghttp2's refill (33/s) by far: 1,000 resets would exhaust its burst in about a second.
      const run = await runEndingLoad(picker.port("extproc"), {
        streams,
        rate: 2000,
        ending,
        streamTimeoutMs: 60_000,
      });
      const logs = picker.logs.slice(from);
      return {
        run,
        retired: logs.filter((l) => l.msg === retiredLine),
        errors: logs.filter((l) => l.msg === "extproc connection error"),
      };
    }

    it("never retires the connection of a client that half-closes before the trailers: 3,000 streams", async () => {
      const { run, retired, errors } = await load("half-close", 3000);
      expect(run.failures).toEqual([]);
      expect(run.answered).toBe(3000);
      expect(run.goaways).toEqual([]);
      expect(run.connections).toBe(1);
      expect(retired).toEqual([]);
      expect(errors).toEqual([]);
      const metrics = await (await fetch(`http://127.0.0.1:${picker.port("metrics")}/metrics`)).text();
      expect(metrics).not.toContain('inference_extension_extproc_connection_events_total{event="retired"');
    }, 120_000);

    it.each([
      ["resets after half-closing, as Envoy without graceful close does (RST_STREAM NO_ERROR)", "reset"],
      ["resets once the picker has ended the stream first (an error status)", "server-first"],
      ["resets without half-closing (RST_STREAM CANCEL while the picker's side is open)", "abort"],
    ] as const)(
      "retires, never tears down, the connection of a client that %s: 1,500 streams",
      async (_, ending) => {
        const { run, retired, errors } = await load(ending, 1500);
        expect(run.failures).toEqual([]);
        expect(run.answered).toBe(1500);
        expect(run.goaways.filter((g) => g.code !== http2.constants.NGHTTP2_NO_ERROR)).toEqual([]);
        expect(retired.length).toBeGreaterThan(0);
        expect(retired[0]).toMatchObject({ code: 0, codeName: "NO_ERROR" });
        expect(errors).toEqual([]);
      },
      120_000,
    );
  },
);
