import { describe, expect, it } from "vitest";
import {
  body,
  chat,
  chunks,
  headers,
  responseBody,
  responseHeaders,
  setHeaders,
  setup,
  trailers,
} from "./helpers.js";

const POST = { ":method": "POST", ":path": "/v1/chat/completions" };
const rewrite = {
  rewrites: [
    { poolName: "pool-a", rules: [{ matches: ["llama"], targets: [{ model: "llama-v2", weight: 1 }] }] },
  ],
};

function routed(over: Parameters<typeof setup>[0] = {}, resources = rewrite, stream = false) {
  const env = setup(over, resources);
  const s = env.processor.open();
  s.handle(headers(POST));
  const replies = s.handle(body(chat("llama", stream ? ',"stream":true' : ""), true));
  const primary = setHeaders(replies[0])["x-gateway-destination-endpoint"]!.split(",")[0]!;
  return { ...env, s, primary };
}

/** The value of one sample line, undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("ExtProcSession: response path and accounting", () => {
  it("counts its stream in flight until closed, then by code, and the time to the first streamed byte", () => {
    const { s, metrics, clock } = routed({}, { rewrites: [] }, true);
    expect(sample(metrics.expose(), "llm_d_epp_extproc_streams_inflight")).toBe(1);
    clock.advance(400);
    s.handle(responseHeaders({ ":status": "200", "content-type": "text/event-stream" }));
    s.handle(responseBody('data: {"model":"llama","choices":[],"usage":null}\n\n', false));
    clock.advance(600);
    s.handle(
      responseBody(
        'data: {"model":"llama","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3}}\n\ndata: [DONE]\n\n',
        true,
      ),
    );
    s.close("end");
    s.close("end");
    const text = metrics.expose();
    const l = 'model_name="llama",target_model_name="llama"';
    expect(sample(text, "llm_d_epp_extproc_streams_inflight")).toBe(0);
    expect(sample(text, 'llm_d_epp_extproc_streams_total{code="OK"}')).toBe(1);
    expect(sample(text, "llm_d_epp_extproc_stream_duration_seconds_sum")).toBe(1);
    expect(sample(text, `llm_d_epp_request_ttft_seconds_sum{${l},streaming="true"}`)).toBe(0.4);
    expect(sample(text, `llm_d_epp_request_streaming_tpot_seconds_sum{${l}}`)).toBeCloseTo(0.3);
    expect(sample(text, "llm_d_epp_request_processing_duration_seconds_count")).toBe(2);
    expect(sample(text, "llm_d_epp_response_processing_duration_seconds_count")).toBe(3);
  });

  it("counts a cancelled stream under Canceled", () => {
    const { s, metrics } = routed();
    s.close("cancel");
    expect(sample(metrics.expose(), 'llm_d_epp_extproc_streams_total{code="Canceled"}')).toBe(1);
  });

  it("marks the response headers and buffers JSON to end_of_stream, mapping the model back", () => {
    const { s, metrics, inFlight, primary } = routed();
    expect(inFlight()[primary]).toBe(1);
    const [h] = s.handle(responseHeaders({ ":status": "200", "content-type": "application/json" }));
    expect(h?.response.case).toBe("responseHeaders");
    expect(setHeaders(h)["x-went-into-resp-headers"]).toBe("true");
    const answer = '{"model":"llama-v2","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":5}}';
    expect(s.handle(responseBody(answer.slice(0, 20), false))).toEqual([]);
    const out = chunks(s.handle(responseBody(answer.slice(20), true)));
    expect(out).toHaveLength(1);
    expect(out[0]!.eos).toBe(true);
    expect(JSON.parse(out[0]!.body).model).toBe("llama");
    expect(s.finished).toBe(true);
    expect(inFlight()[primary]).toBe(0);
    const text = metrics.expose();
    expect(text).toContain(
      'inference_objective_input_tokens_sum{model_name="llama",target_model_name="llama-v2"} 11',
    );
    expect(text).toContain(
      'inference_objective_output_tokens_sum{model_name="llama",target_model_name="llama-v2"} 5',
    );
    expect(text).toContain('inference_objective_running_requests{model_name="llama"} 0');
  });

  it("keeps its own copy of buffered JSON chunks, so a transport may reuse its read buffer", () => {
    const { s } = routed();
    s.handle(responseHeaders({ ":status": "200", "content-type": "application/json" }));
    const answer = '{"model":"llama-v2","choices":[]}';
    const read = new TextEncoder().encode(answer);
    expect(s.handle(responseBody(read.subarray(0, 20), false))).toEqual([]);
    read.fill(0x20, 0, 20);
    const out = chunks(s.handle(responseBody(read.subarray(20), true)));
    expect(JSON.parse(out[0]!.body)).toEqual({ model: "llama", choices: [] });
  });

  it("passes SSE chunks through unchanged as they come and reads usage from the stream", () => {
    const { s, metrics } = routed({}, { rewrites: [] }, true);
    s.handle(responseHeaders({ ":status": "200", "content-type": "text/event-stream" }));
    const events = [
      'data: {"model":"llama","choices":[{"delta":{"content":"hi"}}],"usage":null}\n\n',
      'data: {"model":"llama","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":7}}\n\n',
      "data: [DONE]\n\n",
    ];
    const got = events.map((e, i) => chunks(s.handle(responseBody(e, i === events.length - 1))));
    expect(got.map((c) => c.map((x) => x.body).join(""))).toEqual(events);
    expect(got.map((c) => c.at(-1)!.eos)).toEqual([false, false, true]);
    expect(metrics.expose()).toContain(
      'inference_objective_output_tokens_sum{model_name="llama",target_model_name="llama"} 7',
    );
  });

  it("releases the lease when the stream is cancelled mid-request or mid-response", () => {
    const a = routed();
    a.s.close("cancel");
    expect(a.inFlight()[a.primary]).toBe(0);
    const b = routed();
    b.s.handle(responseHeaders({ ":status": "200", "content-type": "text/event-stream" }));
    b.s.handle(responseBody("data: {}\n\n", false));
    b.s.close("error");
    expect(Object.values(b.inFlight())).toEqual([0, 0, 0]);
    expect(b.processor.active).toBe(0);
    expect(b.metrics.expose()).toContain('inference_objective_running_requests{model_name="llama"} 0');
  });

  it("releases leases of sessions older than the safety timeout", () => {
    const { processor, clock, inFlight, primary } = routed({ sessionTimeoutMs: 1000 });
    expect(processor.sweep()).toBe(0);
    clock.advance(1001);
    expect(processor.sweep()).toBe(1);
    expect(inFlight()[primary]).toBe(0);
  });

  it("moves the lease to the endpoint Envoy actually served", () => {
    const { s, inFlight, primary } = routed();
    const other = ["192.168.1.1:8000", "192.168.1.2:8000", "192.168.1.3:8000"].find((a) => a !== primary)!;
    s.handle(
      responseHeaders(
        { ":status": "200" },
        { "envoy.lb": { "x-gateway-destination-endpoint-served": other } },
      ),
    );
    expect(inFlight()[primary]).toBe(0);
    expect(inFlight()[other]).toBe(1);
    s.handle(responseBody("{}", true));
    expect(inFlight()[other]).toBe(0);
  });

  it("in BUFFERED mode replaces a response body only when the model is mapped back", () => {
    const { s } = routed({ bodyMode: "BUFFERED" });
    s.handle(responseHeaders({ ":status": "200", "content-type": "application/json" }));
    const [reply] = s.handle(responseBody('{"model":"llama-v2","choices":[]}', true));
    expect(reply?.response.case).toBe("responseBody");
    const v = reply?.response.case === "responseBody" ? reply.response.value.response : undefined;
    const m = v?.bodyMutation?.mutation;
    expect(m?.case).toBe("body");
    expect(JSON.parse(new TextDecoder().decode(m?.case === "body" ? m.value : undefined)).model).toBe(
      "llama",
    );
    const plain = routed({ bodyMode: "BUFFERED" }, { rewrites: [] });
    plain.s.handle(responseHeaders({ ":status": "200", "content-type": "application/json" }));
    const [same] = plain.s.handle(responseBody('{"model":"llama","choices":[]}', true));
    const common = same?.response.case === "responseBody" ? same.response.value.response : undefined;
    expect(common?.bodyMutation).toBeUndefined();
  });

  it("ends at response trailers, and at response headers with end_of_stream", () => {
    const a = routed();
    a.s.handle(responseHeaders({ ":status": "200", "content-type": "application/json" }));
    const replies = a.s.handle(responseBody("{}", false));
    expect(replies).toEqual([]);
    const end = a.s.handle(trailers("response"));
    expect(end.map((r) => r.response.case)).toEqual(["responseBody", "responseTrailers"]);
    expect(a.inFlight()[a.primary]).toBe(0);
    const b = routed();
    b.s.handle(responseHeaders({ ":status": "204" }, undefined, true));
    expect(b.s.finished).toBe(true);
    expect(b.inFlight()[b.primary]).toBe(0);
  });
});
