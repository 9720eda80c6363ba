/** GET /ui/decisions on a real serve's API port: the core's recent picks, behind the read token. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServe } from "../../../runtimes/node/serve.js";
import type { RecentDecision } from "../../../src/routing/recent-decisions.js";
import { endpoint, snapshot } from "../../state/fixtures.js";

let serve: RunningServer;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "serve-decisions-"));
  writeFileSync(
    join(dir, "pool.yaml"),
    "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: {name: pool-a}\nspec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}\n",
  );
  writeFileSync(
    join(dir, "router.yaml"),
    "apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec:\n  auth: {readToken: letmein}\n",
  );
  serve = await startServe({
    config: dir,
    host: "127.0.0.1",
    "api-port": 0,
    "http-port": 0,
    "extproc-port": 0,
    "health-port": 0,
    "metrics-port": 0,
  });
  // An endpoint nothing listens on: the pick is made (and recorded) before forwarding fails.
  const ep = endpoint("127.0.0.1:1");
  ep.models = ["m"];
  serve.store.push(snapshot(1, [ep], { observedAt: Date.now() }));
}, 30_000);

afterAll(async () => {
  await serve?.close();
});

const decisions = (token?: string) =>
  fetch(`http://127.0.0.1:${serve.ports.api}/ui/decisions`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

describe("GET /ui/decisions", () => {
  it("refuses a reader without the read token with 401", async () => {
    expect((await decisions()).status).toBe(401);
    expect((await decisions("wrong")).status).toBe(401);
  });

  it("lists the HTTP router's pick and refusal, newest first, to a reader with the token", async () => {
    const send = (model: string, id: string) =>
      fetch(`http://127.0.0.1:${serve.ports.http}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": id },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      }).then((r) => r.text());
    await send("m", "pick-1");
    await send("nope", "refused-2");
    const res = await decisions("letmein");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { decisions: RecentDecision[] };
    expect(body.decisions.map((d) => [d.requestId, d.outcome, d.endpoint])).toEqual([
      ["refused-2", "NotFound", undefined],
      ["pick-1", "routed", "127.0.0.1:1"],
    ]);
  });
});
