/**
 * The Explain RPC: builds an OpenAI body from the request, runs the router's pipeline as a dry run and
 * maps the explanation onto ExplainResponse.
 */
import { create } from "@bufbuild/protobuf";
import { RouterError } from "../core/errors.js";
import {
  type ExplainRequest,
  type ExplainResponse,
  ExplainResponseSchema,
} from "../gen/inferencerouter/v1/explain_pb.js";
import type { ExtendedRequestRouter } from "../routing/request-router.js";

const encoder = new TextEncoder();

export function explainRequest(router: ExtendedRequestRouter, req: ExplainRequest): ExplainResponse {
  if (req.model === "") throw new RouterError("BadRequest", "model: (missing) is required", "model");
  if (req.prompt !== "" && req.messages.length > 0) {
    throw new RouterError("BadRequest", "prompt and messages: set one of them, not both", "prompt");
  }
  const chat = req.messages.length > 0;
  const body: Record<string, unknown> = chat
    ? { model: req.model, messages: req.messages.map((m) => ({ role: m.role, content: m.content })) }
    : { model: req.model, prompt: req.prompt };
  if (req.maxTokens > 0) body.max_tokens = req.maxTokens;
  const headers = new Map(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const {
    pool,
    resolution,
    explanation: x,
    flowControl,
  } = router.explain({
    requestId: "explain",
    headers: { get: (name) => headers.get(name.toLowerCase()) ?? null },
    body: encoder.encode(JSON.stringify(body)),
    kind: chat ? "chat" : "completions",
    ...(req.pool !== "" ? { pool: req.pool } : {}),
    ...(req.subset.length > 0 ? { subset: req.subset } : {}),
  });
  return create(ExplainResponseSchema, {
    pool,
    clientModel: resolution.clientModel,
    targetModel: resolution.targetModel,
    priority: resolution.priority,
    saturation: x.saturation,
    saturated: x.saturated,
    excluded: x.excluded.map((e) => ({ address: e.address, reason: e.reason })),
    profiles: x.profiles.map((p) => ({
      profile: p.profile,
      filters: Object.entries(p.filtered).map(([filter, removed]) => ({ filter, removed })),
      failedAt: p.failedAt ?? "",
      candidates: p.candidates.map((c) => ({ address: c.address, total: c.total, scores: c.scores })),
      picker: p.picker,
      picked: p.picked,
      candidateFigures: (p.candidateFigures ?? []).map((c) => ({
        address: c.address,
        figures: Object.fromEntries(Object.entries(c.figures).map(([k, v]) => [k, String(v)])),
      })),
    })),
    profile: x.profile ?? "",
    picked: x.picked,
    error: x.error ? `${x.error.code}: ${x.error.message}` : "",
    ...(flowControl !== undefined && {
      flowControl: {
        priority: flowControl.priority,
        flowId: flowControl.flowId,
        queued: flowControl.queued,
        position: flowControl.position,
        poolQueued: flowControl.poolQueued,
      },
    }),
    ...(x.disaggregation !== undefined && {
      disaggregation: {
        decisionType: x.disaggregation.decisionType,
        decodeProfile: x.disaggregation.decodeProfile,
        decode: x.disaggregation.decode,
        prefillProfile: x.disaggregation.prefillProfile ?? "",
        prefill: x.disaggregation.prefill ?? "",
        decider: x.disaggregation.decider ?? "",
        reason: x.disaggregation.reason,
        cachedTokens: x.disaggregation.cachedTokens ?? 0,
      },
    }),
  });
}
