/**
 * RouterConfig `spec.proxy.enginePriority: vllm` through the real CLI: `serve` writes the request's
 * InferenceObjective priority, negated, into the body's `priority` field. The simulated replicas run
 * vLLM's default `--scheduling-policy fcfs`, which (as vLLM does) answers 400 to any non-zero priority:
 * so a premium request (priority 10) comes back 400 naming `priority -10` (the field reached the engine,
 * in vLLM's sign), and a request without an objective (priority 0, field 0) is served.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliProcess } from "./helpers/spawn-cli.js";
import { chatBody, getPool, startRouter, startSim, until } from "./http-router-helpers.js";

let router: CliProcess;
let sim: CliProcess;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "engine-priority-"));
  cpSync("runtimes/node/examples/demo", dir, { recursive: true });
  const routerYaml = join(dir, "router.yaml");
  const text = readFileSync(routerYaml, "utf8").replace(
    /^(\s+)maxAttempts: 3.*$/m,
    "$&\n$1enginePriority: vllm",
  );
  expect(text).toContain("enginePriority: vllm");
  writeFileSync(routerYaml, text);
  router = await startRouter(dir);
  const api = router.port("api");
  base = `http://127.0.0.1:${router.port("http")}`;
  sim = await startSim(api, 1);
  await until(
    async () => (await getPool(api)).filter((e) => !e.stale).length === 1,
    10_000,
    "1 fresh replica",
  );
});

afterAll(async () => {
  await sim?.stop();
  await router?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const post = (headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: chatBody(),
  });

describe("spec.proxy.enginePriority: vllm through serve", () => {
  it("forwards the objective's priority negated: an fcfs engine refuses premium's -10", async () => {
    const res = await post({ "x-gateway-inference-objective": "premium" });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text).toContain("priority -10");
  });

  it("forwards 0 for a request without an objective, which an fcfs engine serves", async () => {
    const res = await post();
    expect(res.status).toBe(200);
    await res.text();
  });
});
