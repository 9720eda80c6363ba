/**
 * Disaggregated prefill/decode end to end on loopback: `serve` with the P/D example config, a sim
 * pool of 2 prefill + 2 decode replicas pushing their `llm-d.ai/role`. Through the HTTP router the
 * decode replica receives x-prefiller-host-port, fetches the prompt's KV from that prefill replica and
 * streams the answer; through ext_proc (grpc-js as Envoy) the header mutation carries the same header,
 * and a request sent the way Envoy would streams from the decode replica too.
 */
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ExtProcCall,
  extProcClient,
  requestBody,
  requestHeaders,
  responseBody,
  responseHeaders,
  setHeaders,
} from "./extproc-client.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";
import { until } from "./http-router-helpers.js";

const POOL = "pd-pool";
const PROMPT = `Summarise the attached contract for a busy reader. ${"Clause: the parties agree to the terms above. ".repeat(30)}`;
// Each test sends its own prompt: a repeat would be cached on its decode replica and served decode-only.
const body = (stream: boolean, topic = "contract") =>
  JSON.stringify({
    model: "m",
    messages: [{ role: "user", content: `${topic}: ${PROMPT}` }],
    max_tokens: 6,
    stream,
  });

let router: CliProcess;
let sim: CliProcess;
let client: grpc.Client;
const roles = new Map<string, string>();

interface PoolJson {
  pool?: { endpoints?: { address: string; labels?: Record<string, string> }[] };
}

async function sse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((e) => e.trim())
    .filter((e) => e.startsWith("data: "));
}

describe("P/D: a sim pool with prefill and decode replicas behind serve", () => {
  beforeAll(async () => {
    router = await startCli(["serve", "--config", "runtimes/node/examples/pd.yaml", ...loopbackPorts], {
      waitFor: ["api", "http", "extproc"],
    });
    sim = await startCli(
      ["sim", "--replicas", "4", "--preset", "demo", "--base-port", "0", "--roles", "prefill,decode"].concat([
        "--push",
        `http://127.0.0.1:${router.port("api")}`,
        "--pool",
        POOL,
        "--labels",
        "app=vllm-pd",
      ]),
      { waitFor: ["sim"] },
    );
    await until(() => sim.logs.some((l) => l.msg === "sim ready"), 10_000, "sim ready");
    await until(
      async () => {
        const res = await fetch(
          `http://127.0.0.1:${router.port("api")}/inferencerouter.v1.PoolStateService/GetPool`,
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ pool: POOL }),
          },
        );
        const eps = ((await res.json()) as PoolJson).pool?.endpoints ?? [];
        for (const e of eps) roles.set(e.address, e.labels?.["llm-d.ai/role"] ?? "");
        return eps.length === 4;
      },
      10_000,
      "4 replicas in the pool",
    );
    client = extProcClient(router.port("extproc"));
  }, 30_000);

  afterAll(async () => {
    client?.close();
    await sim?.stop();
    await router?.stop();
  });

  it("the pool knows each replica's role from its pushed llm-d.ai/role label", () => {
    expect([...roles.values()].sort()).toEqual(["decode", "decode", "prefill", "prefill"]);
  });

  it("HTTP router: the decode replica gets x-prefiller-host-port naming a prefill replica, and the answer streams", async () => {
    const res = await fetch(`http://127.0.0.1:${router.port("http")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-prefiller-host-port": "10.9.9.9:1" },
      body: body(true),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const served = res.headers.get("x-inference-endpoint")!;
    const prefilledBy = res.headers.get("x-sim-prefilled-by")!;
    expect(roles.get(served)).toBe("decode");
    // The router's choice, not the client's: the client-sent header was dropped.
    expect(roles.get(prefilledBy)).toBe("prefill");
    const events = await sse(res);
    expect(events.at(-1)).toBe("data: [DONE]");
    expect(events.filter((e) => e.includes('"content"')).length).toBeGreaterThanOrEqual(6);
  });

  it("counts the decision in llm_d_epp_disagg_decision_total{decision_type}", async () => {
    const text = await (await fetch(`http://127.0.0.1:${router.port("metrics")}/metrics`)).text();
    expect(text).toMatch(/llm_d_epp_disagg_decision_total\{decision_type="prefill-decode"\} [1-9]/);
  });

  it("ext_proc: the header mutation carries x-prefiller-host-port next to x-gateway-destination-endpoint", async () => {
    const call = new ExtProcCall(client);
    call.send(
      requestHeaders({
        ":method": "POST",
        ":path": "/v1/chat/completions",
        "content-type": "application/json",
        "x-prefiller-host-port": "10.9.9.9:1",
      }),
    );
    const sent = body(true, "lease");
    call.send(requestBody(sent, true));
    const [first] = await call.waitFor(1);
    const headers = setHeaders(first);
    const decode = headers["x-gateway-destination-endpoint"]!.split(",")[0]!;
    const prefiller = headers["x-prefiller-host-port"]!;
    expect(roles.get(decode)).toBe("decode");
    expect(roles.get(prefiller)).toBe("prefill");
    await call.waitForBodyEnd("request_body");

    // What Envoy does next: send the request, with the mutated headers, to the picked endpoint.
    const res = await fetch(`http://${decode}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-prefiller-host-port": prefiller },
      body: sent,
    });
    expect(res.headers.get("x-sim-prefilled-by")).toBe(prefiller);
    const events = await sse(res);
    expect(events.at(-1)).toBe("data: [DONE]");

    call.send(responseHeaders({ ":status": "200", "content-type": "text/event-stream" }));
    call.send(responseBody(`${events.join("\n\n")}\n\n`, true));
    await call.waitForBodyEnd("response_body");
    call.end();
  });

  it("Explain shows both profiles in the order they ran and the decision", async () => {
    const res = await fetch(
      `http://127.0.0.1:${router.port("api")}/inferencerouter.v1.PoolStateService/Explain`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "m",
          messages: [{ role: "user", content: `explain: ${PROMPT}` }],
          maxTokens: 6,
        }),
      },
    );
    expect(res.status).toBe(200);
    const x = (await res.json()) as {
      profiles?: { profile: string }[];
      picked?: string[];
      disaggregation?: {
        decisionType?: string;
        decode?: string;
        prefill?: string;
        decider?: string;
        reason?: string;
      };
    };
    expect(x.profiles?.map((p) => p.profile)).toEqual(["decode", "prefill"]);
    expect(x.disaggregation?.decisionType).toBe("prefill-decode");
    expect(x.disaggregation?.decider).toBe("prefix-based-pd-decider");
    expect(x.disaggregation?.reason).toMatch(/^uncached \d+ tokens >= nonCachedTokens 64$/);
    expect(roles.get(x.disaggregation!.decode!)).toBe("decode");
    expect(roles.get(x.disaggregation!.prefill!)).toBe("prefill");
    expect(x.picked?.[0]).toBe(x.disaggregation?.decode);
  });

  it("a short prompt is served decode-only: no prefiller header (prefix-based-pd-decider, nonCachedTokens 64)", async () => {
    const res = await fetch(`http://127.0.0.1:${router.port("http")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
    });
    expect(res.status).toBe(200);
    expect(roles.get(res.headers.get("x-inference-endpoint")!)).toBe("decode");
    expect(res.headers.get("x-sim-prefilled-by")).toBeNull();
    await res.text();
  });
});
