/**
 * Latency objectives a client states per request (upstream llm-d's SLO headers): the most time to the
 * first token and per output token it accepts, in ms. A malformed value is refused (400), naming the
 * header, the value and the limit.
 */
import { RouterError } from "../core/errors.js";
import type { HeaderView } from "./headers.js";

export const SLO_TTFT_HEADER = "x-llm-d-slo-ttft-ms";
export const SLO_TPOT_HEADER = "x-llm-d-slo-tpot-ms";

/** Most ms an SLO header may say (one hour). */
export const MAX_SLO_MS = 3_600_000;

/** A request's latency objectives; absent fields = none stated. */
export interface RequestSlo {
  ttftMs?: number;
  tpotMs?: number;
}

function parseMs(headers: HeaderView, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null) return undefined;
  const v = Number(raw.trim());
  if (raw.trim() === "" || !Number.isFinite(v) || v <= 0 || v > MAX_SLO_MS) {
    throw new RouterError(
      "BadRequest",
      `header ${name}: "${raw.slice(0, 64)}" must be a number of ms > 0 and <= ${MAX_SLO_MS}`,
      name,
    );
  }
  return v;
}

/** The SLO headers of a request; undefined when it sends none. @throws RouterError BadRequest */
export function parseSloHeaders(headers: HeaderView): RequestSlo | undefined {
  const ttftMs = parseMs(headers, SLO_TTFT_HEADER);
  const tpotMs = parseMs(headers, SLO_TPOT_HEADER);
  if (ttftMs === undefined && tpotMs === undefined) return undefined;
  const out: RequestSlo = {};
  if (ttftMs !== undefined) out.ttftMs = ttftMs;
  if (tpotMs !== undefined) out.tpotMs = tpotMs;
  return out;
}
