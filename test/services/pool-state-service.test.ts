import { create, toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { PoolSchema, PushSnapshotRequestSchema } from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { createPoolStateService } from "../../src/services/pool-state-service.js";
import { poolToProto } from "../../src/services/pool-to-proto.js";
import type { PoolView } from "../../src/state/types.js";

const NOW = 1_700_000_000_000;

/** A router core and its PoolStateService, from a config set with the given RouterConfig spec. */
function setup(spec: string) {
  const parsed = parseManifests([
    {
      path: "test.yaml",
      text: `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
---
apiVersion: inference-router.dev/v1alpha1
kind: RouterConfig
spec: ${spec}
`,
    },
  ]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const core = createRouterCore(parsed.resources, {
    clock: createManualClock(NOW),
    random: createSeededRandom(1),
  });
  const service = createPoolStateService({ store: core.store, limits: core.limits });
  const push = (source: string, observedAtMs: number) => {
    try {
      service.pushSnapshot(
        create(PushSnapshotRequestSchema, {
          pool: "pool-a",
          source,
          sequence: 1n,
          observedAt: timestampFromMs(observedAtMs),
        }),
        {} as HandlerContext,
      );
      return undefined;
    } catch (e) {
      return ConnectError.from(e);
    }
  };
  return { core, push };
}

describe("PoolStateService limits from the RouterConfig", () => {
  it("refuses an observedAt beyond spec.state.maxClockSkewMs with InvalidArgument naming the limit", () => {
    const { push } = setup("{state: {maxClockSkewMs: 100}}");
    expect(push("on-time", NOW + 100)).toBeUndefined();
    const err = push("ahead", NOW + 101);
    expect(err?.code).toBe(Code.InvalidArgument);
    expect(err?.rawMessage).toContain("observedAt: 2023-11-14T22:13:20.101Z is 101 ms ahead");
    expect(err?.rawMessage).toContain("at most 100 ms is allowed (state.maxClockSkewMs)");
  });

  it("refuses a source beyond spec.limits.maxSourcesPerPool with ResourceExhausted naming the limit", () => {
    const { core, push } = setup("{limits: {maxSourcesPerPool: 2}}");
    expect(push("a", NOW)).toBeUndefined();
    expect(push("b", NOW)).toBeUndefined();
    const err = push("c", NOW);
    expect(err?.code).toBe(Code.ResourceExhausted);
    expect(err?.rawMessage).toContain("above the limit 2 (limits.maxSourcesPerPool)");
    expect(core.store.pool("pool-a")!.sources.map((s) => s.source)).toEqual(["a", "b"]);
  });
});

describe("poolToProto", () => {
  it("renders times outside years 0001-9999 at the nearest end of the range, so JSON reads never fail", () => {
    const base = {
      source: "s",
      sequence: 1n,
      observedAt: 1e17,
      receivedAt: -1e17,
    };
    const view = {
      name: "pool-a",
      targetPorts: [8000],
      revision: 1,
      sources: [base],
      endpoints: [],
    } as unknown as PoolView;
    const json = toJson(
      PoolSchema,
      poolToProto(view, () => false),
    ) as { sources: Record<string, string>[] };
    expect(json.sources[0]).toMatchObject({
      observedAt: "9999-12-31T23:59:59.999Z",
      receivedAt: "0001-01-01T00:00:00Z",
    });
  });
});
