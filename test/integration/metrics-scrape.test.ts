/**
 * `curl :metrics` of a real `serve` shows the upstream families, push freshness and process metrics,
 * and every metric the Grafana dashboard queries.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { patientConfigDir } from "./helpers/patient-config.js";
import { type CliProcess, loopbackPorts, repoRoot, startCli } from "./helpers/spawn-cli.js";

let server: CliProcess;
let text: string;

/** The value of one sample line, undefined when absent. */
function sample(series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  server = await startCli(
    ["serve", "--config", patientConfigDir(), ...loopbackPorts, "--push-token", "s3cret"],
    { waitFor: ["api", "metrics"] },
  );
  const client = createClient(
    PoolStateService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port("api")}`, httpVersion: "1.1" }),
  );
  const push = create(PushSnapshotRequestSchema, {
    pool: "pool-a",
    source: "agent-1",
    sequence: 1n,
    observedAt: timestampFromMs(Date.now()),
    endpoints: ["10.0.0.1:8000", "10.0.0.2:8000"].map((address, i) => ({
      address,
      ready: true,
      engine: "vllm",
      metrics: {
        waitingRequests: 2 + 4 * i,
        runningRequests: 1,
        kvCacheUsage: 0.5,
        blockSize: 16,
        numBlocks: 100,
      },
    })),
  });
  await client.pushSnapshot(push, { headers: { Authorization: "Bearer s3cret" } });
  const refused = await client.pushSnapshot({ ...push, sequence: 2n }).catch((e: unknown) => e);
  expect(ConnectError.from(refused).code).toBe(Code.Unauthenticated);
  const res = await fetch(`http://127.0.0.1:${server.port("metrics")}/metrics`);
  text = await res.text();
});

afterAll(async () => {
  await server?.stop();
});

describe("serve's /metrics", () => {
  it("shows the pool aggregates under upstream's llm_d_epp_ names and the deprecated inference_pool_ twins", () => {
    expect(sample('llm_d_epp_ready_endpoints{name="pool-a"}')).toBe(2);
    expect(sample('inference_pool_ready_pods{name="pool-a"}')).toBe(2);
    expect(sample('llm_d_epp_average_queue_size{name="pool-a"}')).toBe(4);
    expect(sample('llm_d_epp_std_dev_queue_size{name="pool-a"}')).toBe(2);
    expect(
      sample('llm_d_epp_per_endpoint_queue_size{name="pool-a",model_server_endpoint="10.0.0.2:8000"}'),
    ).toBe(6);
  });

  it("shows accepted pushes per source, refused pushes by code and the age of each source's last push", () => {
    expect(sample('inference_router_pushes_total{pool="pool-a",source="agent-1"}')).toBe(1);
    expect(sample('inference_router_pushes_refused_total{code="unauthenticated"}')).toBe(1);
    const age = sample('inference_router_last_push_age_seconds{pool="pool-a",source="agent-1"}');
    expect(age).toBeGreaterThanOrEqual(0);
  });

  it("shows the process and runtime metrics under prom-client's names", () => {
    expect(sample("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(text).toContain("# TYPE process_cpu_user_seconds_total counter\n");
    expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge\n");
    expect(text).toContain("# TYPE nodejs_gc_duration_seconds histogram\n");
  });
});

/** Every PromQL expression of a Grafana dashboard: panel targets and template-variable queries. */
function dashboardQueries(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key = ""): void => {
    if (typeof v === "string" && (key === "expr" || key === "query" || key === "definition")) out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(dashboard);
  return out;
}

describe("the Grafana dashboard (runtimes/node/deploy/grafana)", () => {
  const path = join(repoRoot, "runtimes/node/deploy/grafana/inference-router.json");
  const dashboard = JSON.parse(readFileSync(path, "utf8")) as { panels: { title: string; type: string }[] };

  it("queries only metrics a running serve exports", () => {
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]));
    const queried = new Set<string>();
    for (const q of dashboardQueries(dashboard))
      for (const m of q.matchAll(
        /\b(?:llm_d_epp|inference_router|inference_extension|process|nodejs)_[a-z0-9_]+/g,
      ))
        queried.add(m[0].replace(/_(bucket|sum|count)$/, ""));
    expect(queried.size).toBeGreaterThan(20);
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
  });

  it("has a row each for pool health, decisions, latency, pushes and overhead", () => {
    const rows = dashboard.panels.filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual(["Pool health", "Decisions", "Latency", "Pushes", "Overhead"]);
  });
});
