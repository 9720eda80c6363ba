/**
 * Passive health (#19 finding 5): real upstreams on 127.0.0.1, some of them closed. After the first
 * refused connection no later request tries that endpoint until a push observed after the failure
 * reports it ready or its ejection ends; every remaining attempt is used before a 502.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeTransport } from "../../runtimes/node/node-transport.js";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import type { UpstreamTransport } from "../../src/proxy/upstream.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const config = (spec: string) => `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {state: {stalenessMs: 600000, expiryMs: 600000}, ${spec}}
`;

const live: Server[] = [];
const liveAddresses: string[] = [];
/** Ports nothing listens on (a server was opened there, then closed). */
const closedAddresses: string[] = [];

async function listen(s: Server): Promise<string> {
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return `127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const s = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
    });
    live.push(s);
    liveAddresses.push(await listen(s));
  }
  for (let i = 0; i < 3; i++) {
    const s = createServer();
    closedAddresses.push(await listen(s));
    await new Promise((r) => s.close(r));
  }
});

afterAll(async () => {
  for (const s of live) await new Promise((r) => s.close(r));
});

function setup(spec: string, addresses: string[]) {
  const clock = createManualClock(Date.now());
  const parsed = parseManifests([{ path: "test.yaml", text: config(spec) }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(3) });
  let sequence = 0;
  const push = () =>
    core.store.push(
      snapshot(
        ++sequence,
        addresses.map((a) => endpoint(a)),
        { observedAt: clock.now() },
      ),
    );
  push();
  const node = createNodeTransport();
  const tried: string[] = [];
  const transport: UpstreamTransport = (target, events) => {
    tried.push(target.address);
    return node(target, events);
  };
  const http = createHttpRouter({ core, transport });
  const send = async (i: number) => {
    const res = await http.app.request("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: `hello ${i}` }] }),
      headers: { "content-type": "application/json" },
    });
    return { status: res.status, body: await res.text() };
  };
  return { clock, core, push, tried, send };
}

const count = (list: string[], address: string) => list.filter((a) => a === address).length;

describe("passive health: outlier ejection", () => {
  it("tries a refusing endpoint once, then skips it until a newer ready push clears it", async () => {
    const dead = closedAddresses[0]!;
    const t = setup("", [...liveAddresses, dead]);
    for (let i = 0; i < 40; i++) expect((await t.send(i)).status).toBe(200);
    // The first pick of it failed and ejected it: no later request went there.
    expect(count(t.tried, dead)).toBe(1);
    const ejected = t.core.store.endpoints("pool-a")!.find((e) => e.address === dead)!;
    expect(t.core.outliers.isEjected(ejected)).toBe(true);
    const explained = t.core.explain({
      requestId: "x",
      headers: { get: () => null },
      body: new TextEncoder().encode('{"model":"m","messages":[{"role":"user","content":"hi"}]}'),
      kind: "chat",
    });
    expect(explained.explanation.excluded).toContainEqual({ address: dead, reason: "ejected" });
    expect(t.core.metrics.expose()).toMatch(/inference_extension_outlier_ejections_total\{pool="pool-a"\} 1/);

    // A push observed after the failure, reporting it ready, ends the ejection.
    t.clock.advance(1);
    t.push();
    expect(t.core.outliers.isEjected(ejected)).toBe(false);
  });

  it("ends an ejection after baseEjectionMs, and doubles it when the endpoint fails again", async () => {
    const dead = closedAddresses[1]!;
    const t = setup("proxy: {outlierDetection: {baseEjectionMs: 1000, maxEjectionMs: 1500}}", [dead]);
    const e = () => t.core.store.endpoints("pool-a")!.find((x) => x.address === dead)!;
    expect((await t.send(0)).status).toBe(502);
    expect(t.core.outliers.isEjected(e())).toBe(true);
    t.clock.advance(1000);
    expect(t.core.outliers.isEjected(e())).toBe(false);
    expect((await t.send(1)).status).toBe(502);
    // The second ejection: 2000 ms capped at maxEjectionMs 1500.
    t.clock.advance(1499);
    expect(t.core.outliers.isEjected(e())).toBe(true);
    t.clock.advance(1);
    expect(t.core.outliers.isEjected(e())).toBe(false);
  });

  it("answers every request while one pod of four is healthy and attempts remain (3 refusing)", async () => {
    const healthy = liveAddresses[0]!;
    const t = setup("proxy: {maxAttempts: 4}", [...closedAddresses, healthy]);
    for (let i = 0; i < 30; i++) expect((await t.send(i)).status).toBe(200);
    for (const dead of closedAddresses) expect(count(t.tried, dead)).toBe(1);
  });

  it("uses every remaining attempt beyond the listed fallbacks, and says what each attempt found", async () => {
    // The picker lists one endpoint; the proxy still gets three attempts from the core.
    const picker = `
---
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
- type: max-score-picker
  parameters: {maxNumOfEndpoints: 1}
schedulingProfiles:
- name: default
  plugins: [{pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
`;
    const clock = createManualClock(Date.now());
    const parsed = parseManifests([{ path: "t.yaml", text: config("") + picker }]);
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(1) });
    core.store.push(
      snapshot(
        1,
        closedAddresses.map((a) => endpoint(a)),
        { observedAt: clock.now() },
      ),
    );
    const http = createHttpRouter({ core, transport: createNodeTransport() });
    const res = await http.app.request("/v1/chat/completions", {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(502);
    const message = ((await res.json()) as { error: { message: string } }).error.message;
    expect(message).toContain("could be reached after 3 attempts: ");
    for (const a of closedAddresses) expect(message).toContain(`${a}: connection refused (ECONNREFUSED)`);
  });
});
