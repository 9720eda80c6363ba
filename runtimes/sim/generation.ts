/**
 * One generation request on a replica: submits it to the engine and turns the engine's token events
 * into an SSE stream or a JSON body. Formatting lives in src/sim/openai-response.ts.
 */
import { RouterError } from "../../src/core/errors.js";
import { planFaults } from "../../src/sim/fault-plan.js";
import type { EngineRequest } from "../../src/sim/index.js";
import { promptFromText } from "../../src/sim/index.js";
import type { SimRequest } from "../../src/sim/openai-request.js";
import * as fmt from "../../src/sim/openai-response.js";
import type { TokenListener } from "./realtime-engine.js";
import type { ReplicaState } from "./replica-state.js";

/** A JSON error response in OpenAI's shape. */
export function errorResponse(status: number, type: string, message: string): Response {
  return Response.json(fmt.errorBody(status, type, message), { status });
}

function promptOf(req: SimRequest, blockSize: number): Pick<EngineRequest, "promptTokens" | "prefixKeys"> {
  const ids = req.promptTokenIds;
  if (ids === undefined) return promptFromText(req.promptText, blockSize);
  const keys: string[] = [];
  for (let at = 0; at + blockSize <= ids.length; at += blockSize)
    keys.push(ids.slice(at, at + blockSize).join(","));
  return { promptTokens: ids.length, prefixKeys: keys };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Serves one parsed request. `cut` destroys the connection (the crash-mid-stream fault): a real
 * engine dying mid-output leaves the client a broken connection, not an error event.
 */
export async function generate(
  s: ReplicaState,
  req: SimRequest,
  signal: AbortSignal,
  cut: () => void,
  remotePrefilled = false,
): Promise<Response> {
  const prompt = promptOf(req, s.rt.engine.config.blockSize);
  const maxTokens = Math.min(req.maxTokens ?? s.defaultMaxTokens, s.maxTokensCap);
  const plan = planFaults(s.faults, s.random, maxTokens);
  if (plan.error) return errorResponse(500, "InternalServerError", "simulated engine error (--error-rate)");
  const id = `${req.kind === "chat" ? "chatcmpl" : "cmpl"}-sim${s.index}-${s.nextId++}`;
  const request: EngineRequest = { id, ...prompt, maxTokens };
  if (s.adapters.has(req.model)) request.adapter = req.model;
  if (remotePrefilled) request.remotePrefill = true;
  if (req.priority !== undefined && req.priority !== 0) request.priority = req.priority;
  if (plan.delayMs > 0) await sleep(plan.delayMs, signal);
  if (signal.aborted) return errorResponse(499, "ClientClosedRequest", "client went away");

  const head: fmt.ResponseHead = {
    kind: req.kind,
    id,
    created: Math.floor(Date.now() / 1000),
    model: req.model,
  };
  let cachedTokens = 0;
  const usage = (n: number): fmt.SimUsage => ({
    promptTokens: prompt.promptTokens,
    completionTokens: n,
    cachedTokens,
  });
  const arrival = s.rt.now();
  let n = 0;
  let last = arrival;
  let emit: (text: string, finish: "length" | null) => void = () => {};
  let done: () => void = () => {};
  const listener: TokenListener = {
    token(at) {
      if (n === 0) {
        s.ttft.observe((at - arrival) / 1000);
        cachedTokens = s.rt.engine.cachedTokens(id);
      } else s.tpot.observe((at - last) / 1000);
      last = at;
      emit(fmt.fillerToken(n), n + 1 === maxTokens ? "length" : null);
      n++;
      if (plan.crashAfterTokens === n) {
        s.rt.cancel(id);
        cut();
      }
    },
    finish(at) {
      s.e2e.observe((at - arrival) / 1000);
      done();
    },
  };
  try {
    s.rt.submit(request, listener);
  } catch (err) {
    const e = RouterError.from(err);
    return errorResponse(
      e.httpStatus,
      e.code === "NotFound" ? "NotFoundError" : "BadRequestError",
      e.message,
    );
  }
  signal.addEventListener("abort", () => s.rt.cancel(id), { once: true });

  if (!req.stream) {
    const parts: string[] = [];
    emit = (text) => parts.push(text);
    await new Promise<void>((resolve) => {
      done = resolve;
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    if (signal.aborted) return errorResponse(499, "ClientClosedRequest", "client went away");
    return Response.json(fmt.completionBody(head, parts.join(""), usage(n)));
  }

  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const role = fmt.roleChunk(head);
      if (role) controller.enqueue(enc.encode(role));
      emit = (text, finish) => controller.enqueue(enc.encode(fmt.tokenChunk(head, text, finish)));
      done = () => {
        if (req.includeUsage) controller.enqueue(enc.encode(fmt.usageChunk(head, usage(n))));
        controller.enqueue(enc.encode(fmt.sseDone));
        controller.close();
      };
    },
    cancel: () => s.rt.cancel(id),
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
}
