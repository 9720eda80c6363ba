import { create, type JsonObject } from "@bufbuild/protobuf";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createExtProcProcessor, type ExtProcOptions } from "../../src/extproc/index.js";
import type { ProcessingResponse } from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import {
  type ProcessingRequest,
  ProcessingRequestSchema,
} from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import { RouterMetrics } from "../../src/metrics/router-metrics.js";
import type { ModelResolutionResources } from "../../src/request/resolve-model.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { endpoint, snapshot } from "../state/fixtures.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

export function headers(
  h: Record<string, string>,
  endOfStream = false,
  metadata?: Record<string, JsonObject>,
) {
  return create(ProcessingRequestSchema, {
    request: {
      case: "requestHeaders",
      value: {
        headers: { headers: Object.entries(h).map(([key, v]) => ({ key, rawValue: enc.encode(v) })) },
        endOfStream,
      },
    },
    ...(metadata && { metadataContext: { filterMetadata: metadata } }),
  });
}

export function body(data: string | Uint8Array, endOfStream: boolean): ProcessingRequest {
  return create(ProcessingRequestSchema, {
    request: {
      case: "requestBody",
      value: { body: typeof data === "string" ? enc.encode(data) : data, endOfStream },
    },
  });
}

export function responseHeaders(
  h: Record<string, string>,
  metadata?: Record<string, JsonObject>,
  endOfStream = false,
) {
  return create(ProcessingRequestSchema, {
    request: {
      case: "responseHeaders",
      value: { headers: { headers: Object.entries(h).map(([key, value]) => ({ key, value })) }, endOfStream },
    },
    ...(metadata && { metadataContext: { filterMetadata: metadata } }),
  });
}

export function responseBody(data: string | Uint8Array, endOfStream: boolean): ProcessingRequest {
  return create(ProcessingRequestSchema, {
    request: {
      case: "responseBody",
      value: { body: typeof data === "string" ? enc.encode(data) : data, endOfStream },
    },
  });
}

export function trailers(direction: "request" | "response"): ProcessingRequest {
  return create(ProcessingRequestSchema, {
    request: { case: direction === "request" ? "requestTrailers" : "responseTrailers", value: {} },
  });
}

/** Set headers of a headers reply, by name. */
export function setHeaders(r: ProcessingResponse | undefined): Record<string, string> {
  const v = r?.response.value;
  const common = v && "response" in v ? v.response : undefined;
  const out: Record<string, string> = {};
  for (const h of common?.headerMutation?.setHeaders ?? [])
    out[h.header!.key] = dec.decode(h.header!.rawValue);
  return out;
}

/** Streamed chunks of body replies, in order. */
export function chunks(replies: ProcessingResponse[]): { body: string; bytes: number; eos: boolean }[] {
  const out: { body: string; bytes: number; eos: boolean }[] = [];
  for (const r of replies) {
    const v = r.response.value;
    const m = v && "response" in v ? v.response?.bodyMutation?.mutation : undefined;
    if (m?.case === "streamedResponse") {
      out.push({ body: dec.decode(m.value.body), bytes: m.value.body.length, eos: m.value.endOfStream });
    }
  }
  return out;
}

export const chat = (model: string, extra = "") =>
  `{"model":"${model}","messages":[{"role":"user","content":"hello"}]${extra}}`;

const POOL_A = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool-a}
spec: {selector: {matchLabels: {app: a}}, targetPorts: [{number: 8000}]}
`;

/** A processor over a real store, scheduler and request router, with pods 192.168.1.1-3:8000. */
export function setup(over: Partial<ExtProcOptions> = {}, resources?: Partial<ModelResolutionResources>) {
  const clock = createManualClock(1_000_000);
  const parsed = parseManifests([{ path: "pool.yaml", text: POOL_A }]);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  const random = createSeededRandom(7);
  const metrics = new RouterMetrics();
  // The test's partial resources stand in for whole ones: the pipeline reads only these fields.
  const all = { ...parsed.resources, ...resources } as RouterResources;
  const core = createRouterCore(all, { clock, random, metrics });
  const { store } = core;
  store.push(
    snapshot(
      1,
      [
        endpoint("192.168.1.1:8000", { waitingRequests: 3, kvCacheUsage: 0.2 }),
        endpoint("192.168.1.2:8000", { waitingRequests: 0, kvCacheUsage: 0.1 }),
        endpoint("192.168.1.3:8000", { waitingRequests: 10, kvCacheUsage: 0.9 }),
      ],
      { observedAt: clock.now() },
    ),
  );
  let id = 0;
  const processor = createExtProcProcessor({
    router: core,
    pool: "pool-a",
    clock,
    metrics,
    generateId: () => `gen-${++id}`,
    ...over,
  });
  const inFlight = () =>
    Object.fromEntries(store.endpoints("pool-a")!.map((e) => [e.address, e.inFlight.requests]));
  return { clock, store, core, processor, metrics, inFlight };
}
