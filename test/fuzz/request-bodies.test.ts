/**
 * Property-based fuzzing of OpenAI request bodies (test/fuzz/openai-bodies.ts) through the router
 * core's pipeline (`route`, over pushed endpoints) and through the HTTP router's Hono app with a fake
 * upstream. Every refusal must be a RouterError with a 4xx status naming a field or the body, leave the
 * store as it was, and every request (refused or routed) must give its in-flight count and its body
 * bytes back.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { RouterError } from "../../src/core/errors.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createHttpRouter } from "../../src/http/http-router.js";
import type { UpstreamFetch } from "../../src/proxy/proxy-options.js";
import { createRouterCore, type RouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";
import { PATHS, requestBody } from "./openai-bodies.js";

const RUNS = 1000; // per property
const MAX_BODY_BYTES = 64 * 1024;

const config = `
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModelRewrite
metadata: {name: canary}
spec:
  poolRef: {name: pool-a}
  rules: [{matches: [{model: {type: Exact, value: chat}}], targets: [{modelRewrite: chat-v2}]}]
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: {limits: {maxBodyBytes: ${MAX_BODY_BYTES}}}
`;

/** Served as is ("chat-v2", "base", "emb") or through the rewrite ("chat" -> "chat-v2"). */
const SERVED = ["chat", "chat-v2", "base", "emb"];

function setup() {
  const clock = createManualClock(1_700_000_000_000);
  const parsed = parseManifests([{ path: "fuzz.yaml", text: config }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, { clock, random: createSeededRandom(11) });
  const eps = ["10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"].map((a, i) =>
    endpoint(a, { waitingRequests: i, kvCacheUsage: 0.1 * i }),
  );
  for (const e of eps) e.models = ["chat-v2", "base", "emb"];
  core.store.push(snapshot(1, eps, { observedAt: clock.now() }));
  return core;
}

/** Every pool as JSON (endpoints, metrics, in-flight counts, revision): what a refusal must not change. */
function storeState(core: RouterCore): string {
  return JSON.stringify(core.store.pools(), (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

function inFlight(core: RouterCore): number[] {
  return core.store.endpoints("pool-a")!.flatMap((e) => [e.inFlight.requests, e.inFlight.tokens]);
}

/** A refusal names the body as a whole, or the field it sets (its message then says which). */
function expectNamesAField(message: string, field: string | null | undefined): void {
  if (/^request body\b/.test(message)) return;
  expect(field, message).toBeTruthy();
  expect(message).toContain(field!);
}

const headers = (h: Record<string, string>) => ({ get: (name: string) => h[name.toLowerCase()] ?? null });

describe("request body fuzzing (fast-check)", () => {
  it(`core.route refuses bad bodies with a 4xx naming a field, changing nothing, and releases every lease (${RUNS} runs)`, () => {
    const core = setup();
    let routed = 0;
    let refused = 0;
    fc.assert(
      fc.property(requestBody(SERVED), fc.nat(), ({ kind, bytes }, n) => {
        const before = storeState(core);
        const copy = bytes.slice();
        let decision: ReturnType<RouterCore["route"]>;
        try {
          decision = core.route({ requestId: `r${n}`, headers: headers({}), body: bytes, kind });
        } catch (err) {
          refused++;
          if (!(err instanceof RouterError)) throw err;
          expect(err.httpStatus, err.message).toBeGreaterThanOrEqual(400);
          expect(err.httpStatus, err.message).toBeLessThan(500);
          expectNamesAField(err.message, err.field);
          expect(storeState(core)).toBe(before);
          expect(Buffer.compare(bytes, copy)).toBe(0);
          return;
        }
        routed++;
        expect(decision.endpoints.length).toBeGreaterThan(0);
        expect(decision.lease?.address).toBe(decision.endpoints[0]!.address);
        expect(inFlight(core).some((c) => c > 0)).toBe(true);
        decision.lease!.release();
        expect(inFlight(core).every((c) => c === 0)).toBe(true);
        expect(Buffer.compare(bytes, copy)).toBe(0);
        const original = JSON.parse(new TextDecoder().decode(bytes));
        if (decision.bodyChanged) {
          // The model rewrite path: the same body but for the model.
          expect(original.model).toBe("chat");
          const sent = JSON.parse(new TextDecoder().decode(decision.body));
          expect(sent).toEqual({ ...original, model: decision.targetModel });
        } else expect(decision.body).toBe(bytes);
      }),
      { numRuns: RUNS },
    );
    expect(routed + refused).toBe(RUNS);
    // The generator is meant to exercise both paths.
    expect(routed).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 10);
  });

  it(`the HTTP router answers bad bodies 4xx in OpenAI's shape naming a field, forwards good ones, and gives back every count and byte (${RUNS} runs)`, async () => {
    const core = setup();
    const forwarded: string[] = [];
    const transport: UpstreamFetch = async (url, init) => {
      forwarded.push(url);
      const sent = JSON.parse(new TextDecoder().decode(init.body ?? new Uint8Array()));
      return Response.json({ model: sent.model, usage: { prompt_tokens: 1, completion_tokens: 1 } });
    };
    const http = createHttpRouter({ core, transport: { fetch: transport } });
    let ok = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        requestBody(SERVED),
        // A client-sent rewrite header, which this door does not trust: it must change nothing.
        fc.option(fc.constantFrom("base", "gpt-9"), { freq: 4 }),
        async ({ kind, bytes }, rewrite) => {
          const before = storeState(core);
          const sentBefore = forwarded.length;
          const res = await http.app.request(PATHS[kind], {
            method: "POST",
            body: bytes as Uint8Array<ArrayBuffer>,
            headers: {
              "content-type": "application/json",
              ...(rewrite !== null && { "x-gateway-model-name-rewrite": rewrite }),
            },
          });
          const text = await res.text();
          expect(inFlight(core).every((c) => c === 0)).toBe(true);
          expect(core.bodyBudget.used).toBe(0);
          if (res.status === 200) {
            ok++;
            expect(forwarded.length).toBe(sentBefore + 1);
            return;
          }
          refused++;
          expect(res.status, text).toBeGreaterThanOrEqual(400);
          expect(res.status, text).toBeLessThan(500);
          const { error } = JSON.parse(text) as { error: { message: string; param: string | null } };
          expect(typeof error.message).toBe("string");
          expectNamesAField(error.message, error.param);
          expect(forwarded.length).toBe(sentBefore);
          expect(storeState(core)).toBe(before);
        },
      ),
      { numRuns: RUNS },
    );
    expect(ok + refused).toBe(RUNS);
    expect(ok).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 10);
    http.close();
  });
});
