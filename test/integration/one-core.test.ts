/**
 * One `serve` process has one router core: the HTTP router, Explain and the ext_proc picker share one
 * scheduler, so a prompt prefix learned from a request through one door counts at every door.
 */
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExtProcCall, extProcClient, requestBody, requestHeaders, setHeaders } from "./extproc-client.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";
import { startSim, until } from "./http-router-helpers.js";

let router: CliProcess;
let sim: CliProcess;
let client: grpc.Client;

// Long enough to fill many prefix blocks; the model is a target model, so no canary split intervenes.
const MODEL = "demo-model-v1";
const PROMPT = `You are a careful assistant for a travel agency. ${"Answer briefly and cite the policy. ".repeat(40)}`;
const body = JSON.stringify({
  model: MODEL,
  messages: [{ role: "user", content: PROMPT }],
  max_tokens: 4,
});

interface ScoreJson {
  plugin: string;
  raw?: number;
}
interface ExplainJson {
  picked?: string[];
  profiles?: { candidates?: { address: string; scores?: ScoreJson[] }[] }[];
}

async function explain(apiPort: number): Promise<ExplainJson> {
  const res = await fetch(`http://127.0.0.1:${apiPort}/inferencerouter.v1.PoolStateService/Explain`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: PROMPT }], maxTokens: 4 }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as ExplainJson;
}

const prefixScore = (x: ExplainJson, address: string): number =>
  x.profiles?.[0]?.candidates
    ?.find((c) => c.address === address)
    ?.scores?.find((s) => s.plugin === "prefix-cache-scorer")?.raw ?? 0;

describe("serve: one router core behind every front door", () => {
  beforeAll(async () => {
    router = await startCli(["serve", "--config", "runtimes/node/examples/demo", ...loopbackPorts], {
      waitFor: ["api", "http", "extproc"],
    });
    sim = await startSim(router.port("api"), 3);
    client = extProcClient(router.port("extproc"));
  }, 30_000);

  afterAll(async () => {
    client?.close();
    await sim?.stop();
    await router?.stop();
  });

  it("a prompt served through the HTTP router scores its endpoint in Explain and in an ext_proc pick", async () => {
    const api = router.port("api");
    // Nothing is learned before the first request: no endpoint has a prefix score yet.
    await until(async () => ((await explain(api)).picked?.length ?? 0) > 0, 10_000, "3 ready replicas");
    const before = await explain(api);
    for (const c of before.profiles?.[0]?.candidates ?? []) expect(prefixScore(before, c.address)).toBe(0);

    const res = await fetch(`http://127.0.0.1:${router.port("http")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    await res.text();
    const served = res.headers.get("x-inference-endpoint");
    expect(served).toMatch(/^127\.0\.0\.1:\d+$/);

    const after = await explain(api);
    expect(prefixScore(after, served!)).toBeGreaterThan(0.9);
    for (const c of after.profiles?.[0]?.candidates ?? [])
      if (c.address !== served) expect(prefixScore(after, c.address)).toBe(0);

    const call = new ExtProcCall(client);
    call.send(
      requestHeaders(
        { ":method": "POST", ":path": "/v1/chat/completions", "content-type": "application/json" },
        false,
      ),
    );
    call.send(requestBody(body, true));
    const [first] = await call.waitFor(1);
    const destination = setHeaders(first)["x-gateway-destination-endpoint"]?.split(",");
    expect(destination?.[0]).toBe(served);
    call.end();
  }, 30_000);
});
