import { create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { edgeConfigFromEnv } from "../../src/edge/edge-config.js";
import { createEdgeConnectHandler, createEdgeService } from "../../src/edge/edge-service.js";
import { createMemoryBackend } from "../../src/edge/region-backend.js";
import { StickySessions } from "../../src/edge/sticky-sessions.js";
import { PushRegionRequestSchema } from "../../src/gen/inferencerouter/v1/edge_pb.js";
import { summary } from "./fixtures.js";

const NOW = 1_700_000_000_000;
const PATH = "/inferencerouter.v1.EdgeService/";

/** The edge's Connect handlers over an in-memory backend, called with fetch Requests. */
function setup() {
  const backend = createMemoryBackend();
  const service = createEdgeService({
    backend,
    config: edgeConfigFromEnv({}),
    directory: () => backend.list(),
    sessions: new StickySessions({ backend, capacity: 16, cacheMs: 1000, ttlMs: 600_000, now: () => NOW }),
    now: () => NOW,
  });
  const handlers = createEdgeConnectHandler(service, []);
  const call = (method: string, contentType: string, body: BodyInit) =>
    handlers.get(`${PATH}${method}`)!(
      new Request(`https://edge.test${PATH}${method}`, {
        method: "POST",
        headers: { "content-type": contentType },
        body,
      }),
    );
  return { call };
}

const valid = () => ({
  region: "eu",
  baseUrl: "https://eu.example",
  sequence: "1",
  observedAt: new Date(NOW).toISOString(),
  models: [summary("llama")],
});

describe("EdgeService over fetch", () => {
  it("refuses a binary push with observedAt outside years 0001-9999, and ListRegions still answers JSON", async () => {
    const { call } = setup();
    const push = create(PushRegionRequestSchema, {
      ...valid(),
      sequence: 1n,
      observedAt: timestampFromMs(NOW),
    });
    push.observedAt!.seconds = 1_000_000_000_000_000n;
    const res = await call(
      "PushRegion",
      "application/proto",
      new Uint8Array(toBinary(PushRegionRequestSchema, push)),
    );
    const error = (await res.json()) as { code: string; message: string };
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain("observedAt.seconds: 1000000000000000 must be between");
    const list = await call("ListRegions", "application/json", "{}");
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({});
  });

  it("answers malformed protobuf with invalid_argument, not internal", async () => {
    const { call } = setup();
    const res = await call(
      "PushRegion",
      "application/proto",
      new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
    );
    expect(res.status).toBe(400);
    const error = (await res.json()) as { code: string; message: string };
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain("not a valid inferencerouter.v1.PushRegionRequest message");
  });

  it.each([
    [{ ...valid(), regoin: "x" }, 'key "regoin" is unknown'],
    [{ ...valid(), models: [{ ...summary("llama"), queueDepht: 3 }] }, 'key "queueDepht" is unknown'],
    [{ ...valid(), sequence: "0x10" }, 'sequence: "0x10" must be a decimal integer'],
  ])("refuses the JSON push %o with invalid_argument naming the field", async (push, text) => {
    const { call } = setup();
    const res = await call("PushRegion", "application/json", JSON.stringify(push));
    const error = (await res.json()) as { code: string; message: string };
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain(text);
    expect(await (await call("ListRegions", "application/json", "{}")).json()).toEqual({});
  });

  it("accepts a well-formed JSON push and lists it", async () => {
    const { call } = setup();
    const res = await call("PushRegion", "application/json", JSON.stringify(valid()));
    expect(res.status).toBe(200);
    const list = (await (await call("ListRegions", "application/json", "{}")).json()) as {
      regions: { region: string }[];
    };
    expect(list.regions.map((r) => r.region)).toEqual(["eu"]);
  });
});
