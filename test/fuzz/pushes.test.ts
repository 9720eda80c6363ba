/**
 * Property-based fuzzing of PoolStateService pushes through the real Connect handlers (in process, the
 * same registerRoutes the API listener serves): JSON bodies shaped like pushes, with wrong types, unknown
 * keys, quoted and hex numbers, bad timestamps and addresses; and binary bodies encoded from random field
 * values, plus some random bytes. Every refusal must be invalid_argument naming a field, leave every
 * pool's JSON byte-identical, and every accepted push must read back as JSON.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { createConnectRouter, createContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { PushSnapshotRequestSchema } from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { registerRoutes } from "../../src/services/routes.js";
import { PoolStore } from "../../src/state/pool-store.js";

const NOW = 1_700_000_000_000;
const POOLS = ["pool-a", "pool-b"];
const SOURCES = ["s1", "s2", "s3"];
const RUNS = 600; // per property: 1,200 pushes in all

function setup() {
  const store = new PoolStore({ clock: createManualClock(NOW) });
  store.configurePools(POOLS.map((name) => ({ name, targetPorts: [8000] })));
  const router = createConnectRouter();
  registerRoutes(router, { store });
  const handler = (method: string): UniversalHandler => {
    const h = router.handlers.find((x) => x.method.name === method);
    if (!h) throw new Error(`no handler for ${method}`);
    return h;
  };
  let sequence = 0n;
  /** stateJson() after the last push; undefined before the first. */
  const last: { state?: string } = {};
  return { store, handler, last, nextSequence: () => ++sequence };
}

type Setup = ReturnType<typeof setup>;

async function call(
  s: Setup,
  method: string,
  contentType: string,
  body: Uint8Array,
): Promise<{ status: number; text: string }> {
  const res = await s.handler(method)({
    httpVersion: "1.1",
    url: `http://router.test/inferencerouter.v1.PoolStateService/${method}`,
    method: "POST",
    header: new Headers({ "content-type": contentType }),
    body: (async function* () {
      yield body;
    })(),
    signal: new AbortController().signal,
    contextValues: createContextValues(),
  });
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body ?? []) chunks.push(chunk);
  return { status: res.status, text: Buffer.concat(chunks).toString("utf8") };
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** GetPool of every pool and ListPools, as JSON text: what a refusal must leave unchanged. */
async function stateJson(s: Setup): Promise<string> {
  const parts = [];
  for (const pool of POOLS) {
    const r = await call(s, "GetPool", "application/json", json({ pool }));
    expect(r.status, r.text).toBe(200);
    parts.push(r.text);
  }
  const list = await call(s, "ListPools", "application/json", json({}));
  expect(list.status, list.text).toBe(200);
  return [...parts, list.text].join("\n");
}

/** A refusal names what it refuses: a field path, a protobuf field or key, or the request as a whole. */
const NAMES_A_FIELD =
  /^([A-Za-z_$][\w$]*(\[[^\]]+\])*(\.[A-Za-z_$][\w$]*(\[[^\]]+\])*)*: )|cannot decode field [\w.]+|key "[^"]*" is unknown|^request: /;

async function checkPush(s: Setup, contentType: string, body: Uint8Array, source: string): Promise<boolean> {
  s.last.state ??= await stateJson(s);
  const before = s.last.state;
  const res = await call(s, "PushSnapshot", contentType, body);
  const after = await stateJson(s);
  s.last.state = after;
  if (res.status === 200) {
    expect(after).toContain(`"source":"${source}"`);
    return true;
  }
  const error = JSON.parse(res.text) as { code: string; message: string };
  expect(error.code, res.text).toBe("invalid_argument");
  expect(error.message).toMatch(NAMES_A_FIELD);
  expect(after).toBe(before);
  return false;
}

// Values for each field: mostly valid, often not.
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: -5, max: 70000 }));
const address = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(ipv4, port).map(([ip, p]) => `${ip}:${p}`) },
  { weight: 2, arbitrary: fc.tuple(fc.ipV6(), port).map(([ip, p]) => `[${ip}]:${p}`) },
  { weight: 1, arbitrary: fc.tuple(ipv4, port).map(([ip, p]) => `[::ffff:${ip}]:${p}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("[fd00::\n1]:80", "[fd00::1%eth0]:80", "pod-1:8000", "", "1.2.3.4"),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);
const count = fc.oneof(fc.nat(1000), fc.integer({ min: -10, max: 2_000_000 }));
const fraction = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double({ min: -2, max: 3, noNaN: true }),
);
const names = fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 });
const seconds = fc.oneof(
  fc.bigInt({ min: BigInt(NOW / 1000 - 100_000), max: BigInt(NOW / 1000 + 20) }),
  fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
  fc.constantFrom(-62_135_596_800n, -62_135_596_801n, 253_402_300_799n, 253_402_300_800n),
);
const nanos = fc.oneof(
  fc.integer({ min: 0, max: 999_999_999 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

const metrics = fc.record(
  {
    waitingRequests: count,
    runningRequests: count,
    kvCacheUsage: fraction,
    activeAdapters: names,
    waitingAdapters: names,
    maxAdapters: count,
    blockSize: count,
    numBlocks: count,
  },
  { requiredKeys: [] },
);

describe("push fuzzing (fast-check)", () => {
  it(`refuses bad JSON pushes naming a field and changing nothing, and reads accepted ones back (${RUNS} runs)`, async () => {
    const s = setup();
    const jsonMetrics = fc.oneof(
      { weight: 5, arbitrary: metrics },
      // Quoted numbers (decimal is protobuf JSON; hex and padded are not) and a misspelt key.
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { waitingRequests: "7" },
          { waitingRequests: "0x7" },
          { runningRequests: " 3" },
        ),
      },
      { weight: 1, arbitrary: fc.constant({ waitingRequestz: 40 }) },
    );
    const endpoint = fc.record(
      {
        address,
        ready: fc.oneof(fc.boolean(), fc.constant("yes")),
        labels: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
        engine: fc.string({ maxLength: 70 }),
        models: names,
        metrics: jsonMetrics,
      },
      { requiredKeys: ["address"] },
    );
    const observedAt = fc.oneof(
      fc.integer({ min: NOW - 100_000_000, max: NOW + 20_000 }).map((ms) => new Date(ms).toISOString()),
      fc.constantFrom(
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "10000-01-01T00:00:00Z",
        "yesterday",
        "",
      ),
    );
    const push = fc.record(
      {
        pool: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...POOLS) },
          fc.constantFrom("", "x".repeat(300)),
        ),
        source: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...SOURCES) }, fc.constant("")),
        sequence: fc.oneof(
          { weight: 8, arbitrary: fc.constant("next") },
          fc.constantFrom(0, -1, "0x10", "1e3", " 5", "abc"),
        ),
        observedAt,
        endpoints: fc.array(endpoint, { maxLength: 3 }),
        extra: fc.oneof(
          { weight: 8, arbitrary: fc.constant(undefined) },
          fc.constantFrom("typo", "$typeName"),
        ),
      },
      { requiredKeys: ["pool", "source", "sequence", "endpoints", "extra"] },
    );
    let pushes = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(push, async ({ extra, sequence, ...fields }) => {
        const body: Record<string, unknown> = {
          ...fields,
          sequence: sequence === "next" ? String(s.nextSequence()) : sequence,
        };
        if (extra !== undefined) body[extra] = 1;
        pushes++;
        if (await checkPush(s, "application/json", json(body), String(fields.source))) accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(pushes).toBeGreaterThanOrEqual(RUNS);
    // The generator is meant to exercise both paths.
    expect(accepted).toBeGreaterThan(RUNS / 20);
    expect(accepted).toBeLessThan(pushes);
  });

  it(`refuses bad binary pushes naming a field and changing nothing, and reads accepted ones back (${RUNS} runs)`, async () => {
    const s = setup();
    const u32 = fc.oneof(fc.nat(1000), fc.nat(2 ** 32 - 1));
    const endpoint = fc.record({
      address,
      ready: fc.boolean(),
      labels: fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
      engine: fc.string({ maxLength: 70 }),
      models: names,
      metrics: fc.record({
        waitingRequests: u32,
        runningRequests: u32,
        kvCacheUsage: fraction,
        activeAdapters: names,
        waitingAdapters: names,
        maxAdapters: u32,
        blockSize: u32,
        numBlocks: u32,
      }),
    });
    const message = fc.record(
      {
        pool: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...POOLS) }, fc.constant("")),
        source: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...SOURCES) }, fc.constant("")),
        zeroSequence: fc.nat(9).map((n) => n === 0),
        observedAt: fc.record({ seconds, nanos }),
        endpoints: fc.array(endpoint, { maxLength: 3 }),
      },
      { requiredKeys: ["pool", "source", "zeroSequence", "endpoints"] },
    );
    const input = fc.oneof(
      { weight: 12, arbitrary: message },
      // Random bytes after a tag no decoder accepts (field 0, wire type 7): always malformed.
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Uint8Array.from([0x07, ...b])),
      },
    );
    let pushes = 0;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(input, async (m) => {
        pushes++;
        if (m instanceof Uint8Array) {
          await checkPush(s, "application/proto", m, "(bytes)");
          return;
        }
        const { zeroSequence, ...fields } = m;
        const msg = create(PushSnapshotRequestSchema, {
          ...fields,
          sequence: zeroSequence ? 0n : s.nextSequence(),
        });
        if (await checkPush(s, "application/proto", toBinary(PushSnapshotRequestSchema, msg), fields.source))
          accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(pushes).toBeGreaterThanOrEqual(RUNS);
    expect(accepted).toBeGreaterThan(RUNS / 20);
    expect(accepted).toBeLessThan(pushes);
  });
});
