/**
 * The decode side of disaggregated serving, as llm-d's sidecar does it: a request that names a
 * prefiller (x-prefiller-host-port) is first sent there with max_tokens 1 (the prefill replica
 * computes the prompt's KV), then the decode replica waits the KV transfer over its link and decodes
 * with the prompt already computed. A prefiller that fails or cannot be reached: the decode replica
 * prefills itself (counted in `pd.prefillFallbacks`).
 */
import { kvTransferMs } from "../../src/sim/index.js";
import { log } from "../node/log.js";
import type { ReplicaState } from "./replica-state.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Returns true when the prompt's KV came from `prefiller`; false = prefill locally. */
export async function remotePrefill(
  s: ReplicaState,
  prefiller: string,
  path: string,
  body: unknown,
  signal: AbortSignal,
): Promise<boolean> {
  const {
    stream: _s,
    stream_options: _o,
    max_completion_tokens: _m,
    ...rest
  } = body as Record<string, unknown>;
  let promptTokens = 0;
  try {
    const res = await fetch(`http://${prefiller}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...rest, max_tokens: 1, stream: false }),
      signal,
    });
    const answer = (await res.json()) as { usage?: { prompt_tokens?: number } };
    if (!res.ok) throw new Error(`status ${res.status}`);
    promptTokens = answer.usage?.prompt_tokens ?? 0;
  } catch (err) {
    if (signal.aborted) return false;
    s.pd.prefillFallbacks++;
    log("warn", "remote prefill failed, prefilling locally", {
      service: "sim",
      replica: s.index,
      prefiller,
      error: String(err),
    });
    return false;
  }
  const cfg = s.rt.engine.config;
  await sleep(kvTransferMs(promptTokens, cfg.kvBytesPerToken, s.kvLinkBytesPerSec) * s.timeScale);
  s.pd.remotePrefills++;
  return true;
}
