/**
 * The Node pieces of pushing to several router replicas: node:dns for names (every A/AAAA record of a
 * headless Service), and a Connect transport per target that keeps the name for TLS when the target
 * is an address resolved from it. Which targets exist and when is src/push's business.
 */
import { lookup } from "node:dns/promises";
import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { PushTarget, PushTargetSpec } from "../../src/push/push-targets.js";
import { type TargetWatch, watchTargets } from "../../src/push/target-watch.js";
import { log } from "./log.js";

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Every address `hostname` resolves to (getaddrinfo: /etc/hosts, then DNS), IPv4 and IPv6. A name
 * that resolves to loopback only ("localhost": 127.0.0.1 and ::1) is one machine and so one router:
 * its first address alone, not two loops pushing the same sequence to the same process.
 */
export async function lookupAll(hostname: string): Promise<string[]> {
  const found = (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
  return found.every((a) => LOOPBACK.test(a)) ? found.slice(0, 1) : found;
}

/**
 * Watches `specs` with node:dns, logging joins, leaves and failed lookups once each.
 * `resolveIntervalMs` 0 pushes to names as they are (one target per URL, no lookup).
 */
export function watchPushTargets(
  specs: readonly PushTargetSpec[],
  resolveIntervalMs: number,
  what: string,
): TargetWatch {
  const failing = new Set<string>();
  return watchTargets({
    specs,
    resolve: resolveIntervalMs > 0 ? lookupAll : undefined,
    resolveIntervalMs,
    onError(hostname, error) {
      if (failing.has(hostname)) return;
      failing.add(hostname);
      log("warn", `${what}: lookup failed; pushing to the addresses it had`, {
        hostname,
        error: error instanceof Error ? error.message : String(error),
      });
    },
    onChange(joined, left) {
      for (const t of joined) if (t.servername) failing.delete(t.servername);
      log("info", `${what} targets`, {
        joined: joined.map((t) => t.url),
        left: left.map((t) => t.url),
      });
    },
  });
}

/** A Connect transport to `target` (HTTP/1.1 for unary pushes, HTTP/2 for held streams). */
export function transportFor(target: PushTarget, httpVersion: "1.1" | "2"): Transport {
  return createConnectTransport({
    baseUrl: target.url,
    httpVersion,
    // Connecting to an address resolved from a name: the certificate is the name's.
    ...(target.servername && target.url.startsWith("https:")
      ? { nodeOptions: { servername: target.servername } }
      : {}),
  });
}
