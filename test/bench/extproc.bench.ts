/**
 * ext_proc overhead on loopback: the picker (`serve`, a child process) and a grpc-js client playing
 * Envoy in this process (extproc-load.ts: its settings, GC fixes and loops). Per request: request headers + a 4 KiB chat body (end_of_stream) ->
 * the pick (headers reply) + the body back as streamed chunks; the stream then ends (the lease is
 * released). Latency = body sent -> last body chunk received. Bounded in requests and seconds.
 *
 *   node --import tsx test/bench/extproc.bench.ts [h2|connect] [scenario...]   (npm run bench:extproc)
 *
 * Default: both transports, every scenario. Scenarios (to iterate on one): closed1, closed100,
 * closed1000, held1000 (1,000 streams kept open mid-answer, as Envoy holds them), open, big,
 * rst1000 (1,000 req/s for 30 s over one connection, every stream ended with RST_STREAM after its
 * pick, as Envoy's ext_proc filter ends them: drops and p99), bare (the open loop against
 * test/bench/extproc-bare.ts, a node:http2 server with constant replies: the floor), and session (the picker's own work per exchange, in this process: extproc-session.ts).
 * Node options for the picker process (profiling): BENCH_PICKER_NODE_ARGS, e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof".
 */
import { spawn } from "node:child_process";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { extProcClient, requestBody, responseBody, responseHeaders } from "../integration/extproc-client.js";
import { runResetLoad } from "../integration/extproc-reset-client.js";
import { loopbackPorts, repoRoot, startCli } from "../integration/helpers/spawn-cli.js";
import {
  BODY_4K,
  BODY_JSON,
  CHANNELS,
  closedLoop,
  encodeRequest,
  exchange,
  HEADERS,
  holdOne,
  LOAD_CLIENT_OPTIONS,
  percentile,
  refusedStreams,
} from "./extproc-load.js";
import { Meter, measureOpenLoop, report, rssMb } from "./extproc-meter.js";
import { runSession } from "./extproc-session.js";

/**
 * 1,000 req/s for 30 s over one connection, every stream reset (RST_STREAM CANCEL) once its pick is
 * in, as Envoy's ext_proc filter ends side streams without `ext_proc_graceful_grpc_close`. A drop is
 * a pick never answered; the picker retires the connection gracefully before nghttp2's reset limit.
 */
async function measureResets(meter: Meter, port: number, logs: readonly Record<string, unknown>[]) {
  const from = logs.length;
  meter.mark();
  const r = await runResetLoad(port, { streams: 30_000, rate: 1000, streamTimeoutMs: 30_000 });
  const retired = logs.slice(from).filter((l) => l.msg === "extproc connection retired").length;
  meter.resetRetirements += retired;
  const errors = r.goaways.filter((g) => g.code !== 0).map((g) => g.code);
  meter.notes.push(
    `RST_STREAM endings, 1,000 req/s for 30 s: ${r.failed} dropped of ${r.streams} (${r.failures.join("; ") || "none"}), ` +
      `${retired} graceful connection retirements, ${r.connections} connections, ${r.retried} streams refused before ` +
      `the server saw them and sent again, GOAWAYs with an error code: ${errors.length === 0 ? "none" : errors.join(", ")}.`,
  );
  meter.row(
    "RST_STREAM endings, 1,000 req/s for 30 s (1 connection)",
    {
      n: r.answered,
      rps: r.answered / r.seconds,
      p50: percentile(r.latencies, 50),
      p99: percentile(r.latencies, 99),
    },
    rssMb(meter.pid).rss.toFixed(0),
  );
}

/**
 * The same warm-up and open loop against test/bench/extproc-bare.ts, a node:http2 server that answers
 * with constant bytes and does nothing else per request: the floor under the picker's row.
 */
async function runBare(): Promise<string> {
  const child = spawn(
    process.execPath,
    ["--trace-gc", "--import", "tsx", "test/bench/extproc-bare.ts", String(Buffer.byteLength(BODY_JSON))],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] },
  );
  const logs: Record<string, unknown>[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push({ msg: line });
        const m = /^listening (\d+)$/.exec(line);
        if (m) resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`extproc-bare exited with ${code}`)));
  });
  try {
    const clients = Array.from({ length: CHANNELS }, () => extProcClient(port, LOAD_CLIENT_OPTIONS));
    const req = { head: encodeRequest(clients[0]!, HEADERS), body: [encodeRequest(clients[0]!, BODY_4K)] };
    const meter = new Meter(child.pid!, logs);
    await closedLoop(clients, req, 50, 3000, 5000);
    await measureOpenLoop(meter, clients, req, "open loop, 1,000 req/s for 15 s, bare node:http2 server");
    return report(
      "replaced by a bare node:http2 server (constant replies, no routing: the floor)",
      meter,
      clients,
    );
  } finally {
    child.kill();
  }
}

async function run(transport: string): Promise<string> {
  const args = ["serve", "--config", "test/fixtures/extproc-bench", "--extproc-transport", transport];
  // --trace-gc: the picker's GC pauses, reported next to the latency tail (a line per GC, on stdout).
  const nodeArgs = [
    "--trace-gc",
    ...(process.env.BENCH_PICKER_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? []),
  ];
  const picker = await startCli([...args, ...loopbackPorts], { waitFor: ["api", "extproc"], nodeArgs });
  const pid = picker.proc.pid!;
  try {
    const api = createClient(
      PoolStateService,
      createConnectTransport({ baseUrl: `http://127.0.0.1:${picker.port("api")}`, httpVersion: "1.1" }),
    );
    let seq = 0;
    const push = () =>
      api.pushSnapshot(
        create(PushSnapshotRequestSchema, {
          pool: "pool-a",
          source: "bench",
          sequence: BigInt(++seq),
          observedAt: timestampFromMs(Date.now()),
          endpoints: Array.from({ length: 10 }, (_, i) => ({
            address: `10.0.0.${i + 1}:8000`,
            ready: true,
            metrics: { waitingRequests: i % 3, kvCacheUsage: 0.1 * (i % 5), blockSize: 16, numBlocks: 1000 },
          })),
        }),
      );
    await push();
    const clients = Array.from({ length: CHANNELS }, () =>
      extProcClient(picker.port("extproc"), LOAD_CLIENT_OPTIONS),
    );
    const req = { head: encodeRequest(clients[0]!, HEADERS), body: [encodeRequest(clients[0]!, BODY_4K)] };
    const meter = new Meter(pid, picker.logs);
    await closedLoop(clients, req, 50, 3000, 5000); // warm-up (JIT, connections)
    meter.mark();
    // The fixed-rate run comes first: after the 1,000-stream run both processes spend seconds
    // collecting what it left behind, and that GC debt is not a property of 1,000 req/s.
    if (wanted("open")) await measureOpenLoop(meter, clients, req, "open loop, 1,000 req/s for 15 s");
    if (wanted("rst1000")) await measureResets(meter, picker.port("extproc"), picker.logs);
    if (wanted("held1000")) {
      // The shape behind Envoy: a stream lives as long as the model's answer (seconds), so 1,000 open
      // streams is 1,000 answers in progress, at a modest request rate. Before the saturation runs,
      // so that their garbage is not counted as what 1,000 open streams hold.
      const response = {
        head: encodeRequest(
          clients[0]!,
          responseHeaders({ ":status": "200", "content-type": "text/event-stream" }),
        ),
        token: encodeRequest(
          clients[0]!,
          responseBody('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n', false),
        ),
        last: encodeRequest(clients[0]!, responseBody("data: [DONE]\n\n", true)),
      };
      const held = Array.from({ length: 1000 }, (_, i) => holdOne(clients[i % CHANNELS]!, req, response));
      const picks = (await Promise.all(held.map((h) => h.opened))).sort((a, b) => a - b);
      await new Promise((r) => setTimeout(r, 1000));
      const mem = rssMb(pid);
      await Promise.all(held.map((h) => h.finish()));
      meter.row(
        "1,000 streams held open (picked, answer streaming)",
        { n: picks.length, rps: Number.NaN, p50: percentile(picks, 50), p99: percentile(picks, 99) },
        `${mem.rss.toFixed(0)} (peak ${mem.peak.toFixed(0)})`,
      );
    }
    for (const [c, total] of [
      [1, 2000],
      [100, 30_000],
      [1000, 30_000],
    ] as const) {
      if (!wanted(`closed${c}`)) continue;
      const r = await closedLoop(clients, req, c, total, 10_000);
      const mem = rssMb(pid);
      meter.row(
        `closed loop, ${c} concurrent streams`,
        r,
        `${mem.rss.toFixed(0)} (peak ${mem.peak.toFixed(0)})`,
      );
    }
    if (!wanted("big")) return report(`transport "${transport}"`, meter, clients);
    // A 220 KB prompt, sent as Envoy does in 64 KiB chunks, alone and among 100 concurrent ones.
    const big = Buffer.from(
      `{"model":"llama","messages":[{"role":"user","content":"${"y".repeat(220_000)}"}],"max_tokens":16}`,
    );
    const chunks: Buffer[] = [];
    for (let at = 0; at < big.length; at += 65536) {
      const chunk = requestBody(big.subarray(at, at + 65536), at + 65536 >= big.length);
      chunks.push(encodeRequest(clients[0]!, chunk));
    }
    const solo: number[] = [];
    for (let i = 0; i < 50; i++) solo.push(await exchange(clients[0]!, req.head, chunks));
    solo.sort((a, b) => a - b);
    meter.row("220 KB prompt, 1 stream (50 runs)", {
      n: 50,
      rps: Number.NaN,
      p50: percentile(solo, 50),
      p99: percentile(solo, 99),
    });
    const many: number[] = [];
    await Promise.all(
      Array.from({ length: 100 }, async (_, w) => {
        for (let i = 0; i < 5; i++) many.push(await exchange(clients[w % CHANNELS]!, req.head, chunks));
      }),
    );
    many.sort((a, b) => a - b);
    meter.row(
      "220 KB prompt, 100 concurrent streams (500 runs)",
      {
        n: many.length,
        rps: Number.NaN,
        p50: percentile(many, 50),
        p99: percentile(many, 99),
      },
      rssMb(pid).rss.toFixed(0),
    );
    return report(`transport "${transport}"`, meter, clients);
  } finally {
    await picker.stop();
  }
}

const argv = process.argv.slice(2);
if (argv.includes("--help")) {
  process.stdout.write(
    [
      "usage: npm run bench:extproc -- [h2|connect] [scenario...]   (default: both transports, every scenario)",
      "  closed1, closed100, closed1000  closed loop with 1, 100, 1,000 concurrent streams",
      "  held1000                        1,000 streams held open mid-answer, as Envoy holds them",
      "  open                            open loop, 1,000 req/s for 15 s",
      "  rst1000                         1,000 req/s for 30 s, every stream ended with RST_STREAM (Envoy's ext_proc): drops, p99",
      "  big                             220 KB prompts, alone and 100 at once",
      "  bare                            the open loop against a bare node:http2 server (the floor)",
      "  session                         the picker's own work per exchange, in process",
      "",
      'BENCH_PICKER_NODE_ARGS: node options for the picker process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"',
      "",
    ].join("\n"),
  );
  process.exit(0);
}
const transports = argv.filter((a) => a === "connect" || a === "h2");
const scenarios = argv.filter((a) => a !== "connect" && a !== "h2");
function wanted(scenario: string): boolean {
  return scenarios.length === 0 || scenarios.includes(scenario);
}
const PICKER_SCENARIOS = ["open", "rst1000", "held1000", "closed1", "closed100", "closed1000", "big"];
if (PICKER_SCENARIOS.some(wanted))
  for (const t of transports.length > 0 ? transports : ["h2", "connect"])
    process.stdout.write(`${await run(t)}\n`);
if (refusedStreams.resent > 0)
  process.stdout.write(
    `Streams the picker refused unprocessed after a connection-retirement notice and the client sent again: ${refusedStreams.resent}\n`,
  );
if (wanted("bare")) process.stdout.write(`${await runBare()}\n`);
if (wanted("session")) process.stdout.write(`${await runSession()}\n`);
