/**
 * bench:extproc's `session` scenario: the picker's own work per exchange, in this process, without
 * HTTP/2 or a second process: decode the request headers and body messages, run the session (parse,
 * hash, schedule, build the replies), encode the replies as gRPC frames, close. Built the way `serve`
 * builds it, from the bench's config and 10 pushed endpoints. Warm, then timed in passes; the median
 * pass is reported, so the figure moves far less with the host than the two-process rows do.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { loadResources } from "../../runtimes/node/config-loader.js";
import { createExtProcProcessor, encodeGrpcFrames } from "../../src/extproc/index.js";
import { decodeProcessingRequest } from "../../src/extproc/wire/index.js";
import {
  type ProcessingRequest,
  ProcessingRequestSchema,
  ProcessingResponseSchema,
} from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";
import { BODY_JSON } from "./extproc-load.js";

const PASSES = 15;
const PER_PASS = 2_000;

const enc = new TextEncoder();

function headersMessage(headers: Record<string, string>): Uint8Array {
  return toBinary(
    ProcessingRequestSchema,
    create(ProcessingRequestSchema, {
      request: {
        case: "requestHeaders",
        value: {
          headers: { headers: Object.entries(headers).map(([key, v]) => ({ key, rawValue: enc.encode(v) })) },
        },
      },
    }),
  );
}

/** The bench's request (3 headers), and the same with the headers an Envoy in front of an OpenAI client sends. */
const REQUESTS: [string, Record<string, string>][] = [
  [
    "bench request: 3 headers + 4 KiB chat body",
    {
      ":method": "POST",
      ":path": "/v1/chat/completions",
      "content-type": "application/json",
    },
  ],
  [
    "Envoy-like: 16 headers + the same body",
    {
      ":authority": "llm-gateway.example.com",
      ":path": "/v1/chat/completions",
      ":method": "POST",
      ":scheme": "https",
      "content-type": "application/json",
      "content-length": String(enc.encode(BODY_JSON).length),
      "user-agent": "OpenAI/Python 1.54.4",
      accept: "application/json",
      "accept-encoding": "gzip, deflate",
      authorization: `Bearer sk-${"x".repeat(48)}`,
      "x-forwarded-for": "10.1.2.3",
      "x-forwarded-proto": "https",
      "x-request-id": "9b2f6c1e-3d4a-4f5b-8c7d-0e1f2a3b4c5d",
      "x-envoy-expected-rq-timeout-ms": "60000",
      "x-stainless-lang": "python",
      "x-gateway-inference-objective": "interactive",
    },
  ],
];

export async function runSession(): Promise<string> {
  const resources = await loadResources("test/fixtures/extproc-bench");
  const clock = { now: () => Date.now() };
  const metrics = new RouterMetrics();
  const random = { next: Math.random };
  const core = createRouterCore(resources, { clock, random, now: () => performance.now(), metrics });
  const { store } = core;
  store.push(
    snapshot(
      1,
      Array.from({ length: 10 }, (_, i) =>
        endpoint(`10.0.0.${i + 1}:8000`, { waitingRequests: i % 3, kvCacheUsage: 0.1 * (i % 5) }),
      ),
      { observedAt: Date.now() },
    ),
  );
  const processor = createExtProcProcessor({
    router: core,
    pool: "pool-a",
    clock,
    metrics,
  });
  const body = toBinary(
    ProcessingRequestSchema,
    create(ProcessingRequestSchema, {
      request: { case: "requestBody", value: { body: enc.encode(BODY_JSON), endOfStream: true } },
    }),
  );
  const rows: string[] = [];
  // A/B in the same run, passes alternating: the transport's decoder (by hand for these messages)
  // against fromBinary, the decoder before it.
  const decoders: [string, (b: Uint8Array) => ProcessingRequest][] = [
    ["", decodeProcessingRequest],
    [", decoded by fromBinary (before)", (b) => fromBinary(ProcessingRequestSchema, b)],
  ];
  for (const [label, headers] of REQUESTS) {
    const head = headersMessage(headers);
    const exchanges = decoders.map(([, decode]) => () => {
      const session = processor.open();
      encodeGrpcFrames(session.handle(decode(head)));
      const out = encodeGrpcFrames(session.handle(decode(body)));
      session.close("end");
      return out;
    });
    // The replies must be a pick, not an error, or the figure would time the error path.
    for (const exchange of exchanges) {
      const frames = exchange();
      const length = new DataView(frames.buffer, frames.byteOffset).getUint32(1);
      const first = fromBinary(ProcessingResponseSchema, frames.subarray(5, 5 + length));
      if (first.response.case !== "requestHeaders")
        throw new Error(`session bench: no pick (${first.response.case})`);
      for (let i = 0; i < 5 * PER_PASS; i++) exchange();
    }
    const passes: number[][] = exchanges.map(() => []);
    for (let p = 0; p < PASSES; p++) {
      exchanges.forEach((exchange, e) => {
        const t = performance.now();
        for (let i = 0; i < PER_PASS; i++) exchange();
        passes[e]!.push(((performance.now() - t) * 1000) / PER_PASS);
      });
    }
    passes.forEach((ps, e) => {
      ps.sort((a, b) => a - b);
      const median = ps[Math.floor(ps.length / 2)] ?? Number.NaN;
      rows.push(
        `| ${label}${decoders[e]![0]} | ${median.toFixed(1)} | ${(ps[0] ?? Number.NaN).toFixed(1)}-${(ps[ps.length - 1] ?? Number.NaN).toFixed(1)} |`,
      );
    });
  }
  return [
    `ext_proc session in process (decode, session, encode, close; ${PASSES} passes of ${PER_PASS} exchanges after ${5 * PER_PASS} warm-up)`,
    "",
    "| request | µs per exchange, median pass | fastest-slowest pass |",
    "|---|---:|---:|",
    ...rows,
    "",
  ].join("\n");
}
