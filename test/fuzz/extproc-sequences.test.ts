/**
 * Property-based fuzzing of ext_proc message sequences through the processor over a router core (as
 * test/extproc/helpers.ts builds it), in both body modes: up to three sessions at once, each a
 * plausible exchange (request headers, body chunks of random sizes and end flags, trailers, response
 * headers, body and trailers, with random subset hints and served endpoints) then mangled (phases
 * dropped, repeated, swapped, random messages inserted), interleaved, and closed at a random point or
 * left to end. No session may throw; every reply must be a well-formed ProcessingResponse; an error
 * must be an ImmediateResponse saying `inference error: <Code> - ` (and a crash must not hide behind
 * Internal); once every session is closed, nothing is in flight and no body byte is held.
 */
import { create, fromBinary, type JsonObject, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ErrorCode, errorCodes } from "../../src/core/errors.js";
import type { CloseReason } from "../../src/extproc/session.js";
import {
  type ProcessingRequest,
  ProcessingRequestSchema,
  type ProcessingResponse,
  ProcessingResponseSchema,
} from "../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js";
import {
  body,
  headers,
  responseBody,
  responseHeaders,
  setHeaders,
  setup,
  trailers,
} from "../extproc/helpers.js";
import { PATHS, requestBody } from "./openai-bodies.js";

const RUNS = 1000;
const MAX_BODY_BYTES = 8 * 1024;
/** Below the body limit: one large body, or two concurrent ones, find the budget full. */
const BUDGET_BYTES = 6 * 1024;
const PODS = ["192.168.1.1", "192.168.1.2", "192.168.1.3"];

const enc = new TextEncoder();
const dec = new TextDecoder();

// ---- generators ----

const ip = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...PODS) },
  { weight: 1, arbitrary: fc.constantFrom("10.9.9.9", "", "not-an-ip", "[fd00::1]") },
);
const address = fc.tuple(ip, fc.constantFrom(":8000", ":9", "")).map(([a, p]) => a + p);
/** The subset hint's value: a list, a comma-separated string, empty, or not a string at all. */
const subsetValue = fc.oneof(
  { weight: 4, arbitrary: fc.array(address, { maxLength: 3 }) },
  { weight: 2, arbitrary: fc.array(address, { maxLength: 3 }).map((a) => a.join(",")) },
  { weight: 1, arbitrary: fc.constantFrom<JsonObject[string]>(null, 7, true, { a: 1 }, [1, "x"]) },
);
const requestMetadata = fc.option(
  fc.oneof(
    subsetValue.map(
      (v): Record<string, JsonObject> => ({
        "envoy.lb.subset_hint": { "x-gateway-destination-endpoint-subset": v },
      }),
    ),
    fc.constant<Record<string, JsonObject>>({ "envoy.lb.subset_hint": {} }),
    fc.constant<Record<string, JsonObject>>({ other: { x: 1 } }),
  ),
  { freq: 3 },
);
const servedMetadata = fc.option(
  fc.oneof(address, fc.constant("")).map(
    (served): Record<string, JsonObject> => ({
      "envoy.lb": { "x-gateway-destination-endpoint-served": served },
    }),
  ),
  { freq: 2 },
);
const headerValue = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom("a\r\nx-evil: 1", "\n", "", "m") },
);
const requestHeaderMap = fc
  .record(
    {
      path: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...Object.values(PATHS)) },
        { weight: 1, arbitrary: fc.constantFrom("/v1/models", "/unknown", "/v1/chat/completions?x=1", "") },
      ),
      requestId: headerValue,
      rewrite: headerValue,
      objective: headerValue,
      destination: address,
    },
    { requiredKeys: ["path"] },
  )
  .map((h) => {
    const out: Record<string, string> = { ":method": "POST", "content-type": "application/json" };
    if (h.path !== "") out[":path"] = h.path;
    if (h.requestId !== undefined) out["x-request-id"] = h.requestId;
    if (h.rewrite !== undefined) out["x-gateway-model-name-rewrite"] = h.rewrite;
    if (h.objective !== undefined) out["x-gateway-inference-objective"] = h.objective;
    // A client trying to choose its own endpoint.
    if (h.destination !== undefined) out["x-gateway-destination-endpoint"] = h.destination;
    return out;
  });

/** `bytes` cut at random offsets; each chunk with a random end flag, the last mostly with end_of_stream. */
function chunked(bytes: Uint8Array, make: (chunk: Uint8Array, eos: boolean) => ProcessingRequest) {
  return fc
    .tuple(
      fc.uniqueArray(fc.nat(Math.max(bytes.length - 1, 0)), { maxLength: 4 }),
      fc.array(fc.nat(9), { minLength: 6, maxLength: 6 }),
    )
    .map(([cuts, flags]) => {
      const at = [0, ...cuts.filter((c) => c > 0).sort((a, b) => a - b), bytes.length];
      const out: ProcessingRequest[] = [];
      for (let i = 0; i + 1 < at.length; i++) {
        const last = i + 2 === at.length;
        out.push(make(bytes.subarray(at[i], at[i + 1]), last ? flags[i]! < 8 : flags[i] === 0));
      }
      return out;
    });
}

const usage = '"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}';
const responseBytes = fc
  .oneof(
    fc.constantFrom(
      `{"model":"m",${usage}}`,
      `data: {"model":"m","choices":[]}\n\ndata: {"model":"m",${usage}}\n\ndata: [DONE]\n\n`,
      "data: {broken\n\n",
      "",
    ),
    fc.string({ maxLength: 30 }),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  )
  .map((s) => enc.encode(s));

/** Request bodies: generated ones, and valid ones of up to 7 KiB that fill the body budget together. */
const requestBytes = fc.oneof(
  { weight: 3, arbitrary: requestBody(["m", "chat"]).map((b) => b.bytes) },
  {
    weight: 2,
    arbitrary: fc
      .nat(7000)
      .map((n) => enc.encode(`{"model":"m","messages":[{"role":"user","content":"${"x".repeat(n)}"}]}`)),
  },
);

/** The request half of an exchange: headers (maybe end_of_stream), body chunks, maybe trailers. */
const requestHalf = fc
  .tuple(requestHeaderMap, requestMetadata, fc.nat(9), requestBytes, fc.nat(4))
  .chain(([h, metadata, headersOnly, bytes, withTrailers]) =>
    chunked(bytes, (chunk, eos) => body(chunk, eos)).map((chunks) => {
      const out = [headers(h, headersOnly === 0, metadata ?? undefined)];
      if (headersOnly !== 0) out.push(...chunks);
      if (withTrailers === 0) out.push(trailers("request"));
      return out;
    }),
  );

/** The response half: headers (status, content type, maybe end_of_stream), body chunks, maybe trailers. */
const responseHalf = fc
  .tuple(
    fc.constantFrom("200", "200", "200", "400", "500", "503", "abc"),
    fc.constantFrom("application/json", "text/event-stream", "text/plain", ""),
    servedMetadata,
    fc.nat(9),
    responseBytes,
    fc.nat(4),
  )
  .chain(([status, contentType, served, headersOnly, bytes, withTrailers]) =>
    chunked(bytes, (chunk, eos) => responseBody(chunk, eos)).map((chunks) => {
      const h: Record<string, string> = { ":status": status };
      if (contentType !== "") h["content-type"] = contentType;
      const out = [responseHeaders(h, served ?? undefined, headersOnly === 0)];
      if (headersOnly !== 0) out.push(...chunks);
      if (withTrailers === 0) out.push(trailers("response"));
      return out;
    }),
  );

/** A message Envoy would not send at that point, or at all. */
const strayMessage = fc.oneof(
  requestHeaderMap.map((h) => headers(h)),
  fc.constant(body("", true)),
  fc.constant(body('{"model":"m","prompt":"x"}', true)),
  fc.constant(trailers("request")),
  fc.constant(trailers("response")),
  fc.constant(responseHeaders({ ":status": "200" })),
  fc.constant(responseBody("x", true)),
  // No request case set (a newer Envoy's message, or an empty one).
  fc.constant(create(ProcessingRequestSchema, {})),
  fc.constant(create(ProcessingRequestSchema, { observabilityMode: true })),
);

type Edit =
  | { op: "drop"; at: number }
  | { op: "repeat"; at: number }
  | { op: "swap"; at: number }
  | { op: "insert"; at: number; message: ProcessingRequest };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("repeat" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("swap" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), message: strayMessage }),
);

function applyEdits(messages: ProcessingRequest[], edits: Edit[]): ProcessingRequest[] {
  const out = [...messages];
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % out.length;
    if (e.op === "insert") out.splice(at, 0, e.message);
    else if (out.length === 0) continue;
    else if (e.op === "drop") out.splice(at, 1);
    else if (e.op === "repeat") out.splice(at, 0, out[at]!);
    else if (at + 1 < out.length) [out[at], out[at + 1]] = [out[at + 1]!, out[at]!];
  }
  return out;
}

/** One session's script: its messages, and after how many it is closed (null: it runs to the end). */
const session = fc
  .tuple(
    requestHalf,
    fc.option(responseHalf, { freq: 5 }),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant<Edit[]>([]) },
      { weight: 2, arbitrary: fc.array(edit, { minLength: 1, maxLength: 4 }) },
    ),
    fc.option(fc.tuple(fc.nat(), fc.constantFrom<CloseReason>("end", "cancel", "error", "timeout")), {
      freq: 3,
    }),
  )
  .map(([req, res, edits, close]) => {
    const messages = applyEdits([...req, ...(res ?? [])], edits);
    return { messages, close: close && { after: close[0] % (messages.length + 1), reason: close[1] } };
  });

// ---- checks ----

const CODES = Object.keys(errorCodes) as ErrorCode[];
const ERROR_BODY = new RegExp(`^inference error: (${CODES.join("|")}) - `);
/** The only Internal error the session raises on purpose; any other is a caught crash. */
const INTERNAL_ON_PURPOSE = "inference error: Internal - no pods available in datastore";

function checkReply(r: ProcessingResponse): void {
  expect(r.response.case).toBeDefined();
  const bytes = toBinary(ProcessingResponseSchema, r);
  expect(toBinary(ProcessingResponseSchema, fromBinary(ProcessingResponseSchema, bytes))).toEqual(bytes);
  for (const value of Object.values(setHeaders(r))) expect(value).not.toMatch(/[\r\n\0]/);
  if (r.response.case !== "immediateResponse") return;
  const text = dec.decode(r.response.value.body);
  const code = ERROR_BODY.exec(text)?.[1] as ErrorCode | undefined;
  expect(code, text).toBeDefined();
  expect(r.response.value.status?.code).toBe(errorCodes[code!].http);
  if (code === "Internal") expect(text).toBe(INTERNAL_ON_PURPOSE);
}

describe("ext_proc sequence fuzzing (fast-check)", () => {
  for (const bodyMode of ["FULL_DUPLEX_STREAMED", "BUFFERED"] as const) {
    it(`${bodyMode}: sessions never throw, reply well-formed messages and errors, and leave nothing in flight or held (${RUNS / 2} runs)`, () => {
      const t = setup({ bodyMode, maxBodyBytes: MAX_BODY_BYTES });
      t.core.bodyBudget.limit = BUDGET_BYTES;
      let picks = 0;
      let errors = 0;
      let sequences = 0;
      fc.assert(
        fc.property(
          fc.array(session, { minLength: 1, maxLength: 3 }),
          fc.array(fc.nat(2), { maxLength: 60 }),
          (scripts, order) => {
            sequences += scripts.length;
            const live = scripts.map((s) => ({ ...s, session: t.processor.open(), next: 0, errored: false }));
            const step = (i: number): void => {
              const s = live[i]!;
              if (s.close && s.next === s.close.after) {
                s.session.close(s.close.reason);
                s.next = s.messages.length;
                return;
              }
              const replies = s.session.handle(s.messages[s.next++]!);
              for (const r of replies) {
                checkReply(r);
                if (r.response.case === "immediateResponse") errors++;
                const v = r.response.value;
                if (v && "response" in v && v.response?.clearRouteCache) picks++;
              }
              // An error ends the exchange: nothing after it.
              if (s.errored) expect(replies).toEqual([]);
              if (replies.some((r) => r.response.case === "immediateResponse")) {
                expect(replies).toHaveLength(1);
                s.errored = true;
              }
            };
            // Interleave by `order`, then run whatever is left in turn.
            const pending = () =>
              live.map((_, i) => i).filter((i) => live[i]!.next < live[i]!.messages.length);
            for (const pick of order) {
              const p = pending();
              if (p.length === 0) break;
              step(p[pick % p.length]!);
            }
            for (let p = pending(); p.length > 0; p = pending()) step(p[0]!);
            // The streams end (those closed early are closed again: close is idempotent).
            for (const s of live) s.session.close("end");
            expect(t.processor.active).toBe(0);
            expect(Object.values(t.inFlight()).every((n) => n === 0)).toBe(true);
            expect(t.store.endpoints("pool-a")!.every((e) => e.inFlight.tokens === 0)).toBe(true);
            expect(t.core.bodyBudget.used).toBe(0);
          },
        ),
        { numRuns: RUNS / 2 },
      );
      // 1-3 sessions a run: over both body modes, well above 1,000 sequences.
      expect(sequences).toBeGreaterThan(RUNS / 2);
      // The generator is meant to reach picks and errors both.
      expect(picks).toBeGreaterThan(RUNS / 20);
      expect(errors).toBeGreaterThan(RUNS / 20);
    });
  }
});
