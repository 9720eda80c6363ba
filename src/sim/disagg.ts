/**
 * Disaggregated prefill/decode in the simulator. A replica has a role (pushed as the `llm-d.ai/role`
 * label): a prefill replica runs requests with one output token for decode replicas; a decode replica
 * handed `x-prefiller-host-port` asks that prefiller for the prompt's KV, waits for the transfer over
 * the link, and decodes (EngineRequest.remotePrefill). The pure figures live here; runtimes/sim and the
 * virtual-time benchmark do the waiting.
 */

/** Roles a simulated replica can take; "both" serves whole requests (no label pushed). */
export type SimRole = "prefill" | "decode" | "both";

export const simRoles: readonly SimRole[] = ["prefill", "decode", "both"];

/** Default KV link between replicas: 400 Gb/s RDMA NIC (50 GB/s), per replica pair. */
export const defaultKvLinkBytesPerSec = 50e9;

/**
 * Time to move a prompt's KV from the prefill replica to the decode replica, ms: bytes / bandwidth
 * (latency of the link left out; small next to multi-MB transfers).
 *
 * @example
 * kvTransferMs(4_000, 2 * 32 * 8 * 128 * 2, 50e9); // 4,000 tokens of Llama-3-8B KV (512 MiB) ≈ 10.5 ms
 */
export function kvTransferMs(promptTokens: number, kvBytesPerToken: number, linkBytesPerSec: number): number {
  return ((promptTokens * kvBytesPerToken) / linkBytesPerSec) * 1000;
}

/** The labels a replica of `role` pushes (none for "both": an unlabelled endpoint serves both). */
export function roleLabels(role: SimRole): Record<string, string> {
  return role === "both" ? {} : { "llm-d.ai/role": role };
}
