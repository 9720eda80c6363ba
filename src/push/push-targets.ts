/**
 * Where a producer pushes: one router, a list of router replicas, or a DNS name that resolves to all
 * of them (a Kubernetes headless Service), looked up again on an interval so replicas that join get
 * pushes and replicas that leave stop costing a loop. The resolver is injected: src/ has no DNS; the
 * Node runtime passes node:dns, a test passes a table.
 */
import { RouterError } from "../core/errors.js";
import { renderValue } from "../core/field-error.js";

/** One receiver of pushes (one router replica). */
export interface PushTarget {
  /** Stable identity of the receiver: the URL the pushes go to. */
  readonly key: string;
  /** Base URL of the receiver's Connect API, e.g. http://10.0.0.7:9004. */
  readonly url: string;
  /** The name the address was resolved from (TLS server name for https). Undefined for a literal address. */
  readonly servername?: string;
}

/** One entry of a producer's push list, as the operator wrote it. */
export interface PushTargetSpec {
  /** The URL as given (trailing slash dropped). */
  readonly url: string;
  /** Host of the URL when it is a name to resolve; undefined for an IP literal. */
  readonly hostname?: string;
}

/** Every address a name resolves to (IPv4 and IPv6, no brackets); throws when the lookup fails. */
export type ResolveHost = (hostname: string) => Promise<string[]>;

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Parses a comma-separated list of http(s) URLs given as flag `--<flag>` (`--push`, `--peers`).
 * @throws RouterError("BadRequest") whose field is `flag`, naming the entry and the rule.
 *
 * @example
 * parsePushTargets("http://10.0.0.1:9004,http://router-peers.ns.svc:9004", "push")
 * // [{ url: "http://10.0.0.1:9004" }, { url: "http://router-peers.ns.svc:9004", hostname: "router-peers.ns.svc" }]
 */
export function parsePushTargets(text: string, flag: string): PushTargetSpec[] {
  const field = flag;
  const bad = (why: string) => new RouterError("BadRequest", `--${flag}: ${why}`, field);
  const entries = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (entries.length === 0) throw bad(`${renderValue(text)} names no URL`);
  if (entries.length > 100) throw bad(`${entries.length} URLs; at most 100 are allowed`);
  const seen = new Set<string>();
  return entries.map((entry) => {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw bad(`${renderValue(entry)} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw bad(`${renderValue(entry)} must be an http:// or https:// URL`);
    const clean = url.href.replace(/\/$/, "");
    if (seen.has(clean)) throw bad(`${renderValue(entry)} is listed twice`);
    seen.add(clean);
    const host = url.hostname;
    const literal = IPV4.test(host) || host.startsWith("[");
    return literal ? { url: clean } : { url: clean, hostname: host };
  });
}

/** The URL with its host replaced by `ip` (bracketed when IPv6). */
function withHost(spec: PushTargetSpec, ip: string): string {
  const url = new URL(spec.url);
  url.hostname = ip.includes(":") ? `[${ip}]` : ip;
  return url.href.replace(/\/$/, "");
}

/**
 * The targets `specs` stand for now: literal URLs as they are; each name as one target per address it
 * resolves to. A name whose lookup fails keeps `previous` targets of that name (a DNS hiccup must not
 * stop pushes to replicas that are still there) and is reported through `onError`.
 */
export async function resolvePushTargets(
  specs: readonly PushTargetSpec[],
  resolve: ResolveHost | undefined,
  previous: readonly PushTarget[] = [],
  onError?: (hostname: string, error: unknown) => void,
): Promise<PushTarget[]> {
  const out = new Map<string, PushTarget>();
  for (const spec of specs) {
    if (spec.hostname === undefined || resolve === undefined) {
      out.set(spec.url, { key: spec.url, url: spec.url });
      continue;
    }
    const hostname = spec.hostname;
    let ips: string[];
    try {
      ips = await resolve(hostname);
    } catch (err) {
      onError?.(hostname, err);
      for (const t of previous) if (t.servername === hostname) out.set(t.key, t);
      continue;
    }
    for (const ip of [...new Set(ips)].sort()) {
      const url = withHost(spec, ip);
      out.set(url, { key: url, url, servername: hostname });
    }
  }
  return [...out.values()];
}
