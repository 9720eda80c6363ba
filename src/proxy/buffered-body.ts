/**
 * Non-streamed answers are read whole before the client sees anything: usage needs the whole JSON
 * anyway, the model can be mapped back, and an upstream that breaks mid-body becomes a clean 502
 * instead of a truncated 200. Bounded by the idle timeout between chunks.
 */
import { RouterError } from "../core/errors.js";
import { IdleTimer } from "./idle-timer.js";

/** Reads `body` to the end; throws RouterError BadGateway (broken) or DeadlineExceeded (idle). */
export async function readWhole(
  body: ReadableStream<Uint8Array> | null,
  idleTimeoutMs: number,
  abort: (reason?: unknown) => void,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  let idled = false;
  const idle = new IdleTimer(idleTimeoutMs, () => {
    idled = true;
    abort(new Error("idle timeout"));
    reader.cancel().catch(() => {});
  });
  const parts: Uint8Array[] = [];
  let total = 0;
  idle.start();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      idle.touch();
      parts.push(value);
      total += value.length;
    }
  } catch (err) {
    if (!idled) {
      const why = err instanceof Error ? err.message : String(err);
      throw new RouterError("BadGateway", `the upstream response broke: ${why}`);
    }
  } finally {
    idle.stop();
  }
  if (idled)
    throw new RouterError(
      "DeadlineExceeded",
      `the upstream sent nothing for ${idleTimeoutMs} ms (proxy.idleTimeoutMs)`,
    );
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
