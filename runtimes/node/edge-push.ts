/**
 * Pushes this region's pool summary to the edge's EdgeService every interval (RouterConfig
 * spec.edge.push) through the shared push fan-out: one loop per edge URL (several edges, e.g. two
 * worker deployments, each with its own backoff), one summary per round with the same restart-safe
 * sequence for all, each change between failing and succeeding logged once, never throws. On close it
 * sends one last push marked draining, so the edges stop sending new requests here at once. Edge URLs
 * are used as given, never resolved to addresses: an edge behind a CDN is reached by its name.
 */
import { createClient } from "@connectrpc/connect";
import type { RouterConfig } from "../../src/api/router-config.js";
import { RouterError } from "../../src/core/errors.js";
import { summarizePools } from "../../src/edge/pool-summary.js";
import { regionIdentityFrom } from "../../src/edge/region-push-identity.js";
import { type RegionIdentity, regionPushMessage } from "../../src/edge/region-push-message.js";
import { EdgeService } from "../../src/gen/inferencerouter/v1/edge_pb.js";
import { backoffForInterval } from "../../src/push/backoff.js";
import { logPushChanges } from "../../src/push/log-push-changes.js";
import { createPushFanout } from "../../src/push/push-fanout.js";
import type { PoolStore } from "../../src/state/pool-store.js";
import { ConfigError } from "./config-loader.js";
import { log } from "./log.js";
import { transportFor, watchPushTargets } from "./push-targets-node.js";

type EdgePushConfig = NonNullable<RouterConfig["edge"]["push"]>;

/** Longest backoff while the edge is unreachable, ms (or one interval when that is longer). */
const maxBackoffMs = 10_000;

export interface EdgePushOptions {
  /** Base URL of the edge (its Connect API), e.g. https://edge.example.com, or several edges' URLs. */
  url: string | readonly string[];
  token?: string | undefined;
  intervalMs: number;
  identity: RegionIdentity;
  store: PoolStore;
  /** Client-facing model names the router serves (read on every push: config reloads change them). */
  models: () => string[];
}

/** A running push loop. */
export interface EdgePusher {
  /** Stops the loop after one last push marked draining (bounded by the push timeout). */
  close(): Promise<void>;
}

export function startEdgePush(o: EdgePushOptions): EdgePusher {
  const urls = typeof o.url === "string" ? [o.url] : [...o.url];
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const timeoutMs = Math.max(1000, o.intervalMs * 2);
  // resolveIntervalMs 0: each URL is one target, as written.
  const targets = watchPushTargets(
    urls.map((u) => ({ url: u.replace(/\/$/, "") })),
    0,
    "edge push",
  );
  const loop = createPushFanout({
    targets,
    intervalMs: o.intervalMs,
    timeoutMs,
    backoff: backoffForInterval(o.intervalMs, maxBackoffMs),
    finalPush: true,
    clock: { now: () => Date.now() },
    random: { next: Math.random },
    produce(draining) {
      const models = summarizePools(o.store, { extraModels: o.models() });
      return regionPushMessage(o.identity, models, 0n, Date.now(), draining);
    },
    sendTo(target) {
      const client = createClient(EdgeService, transportFor(target, "1.1"));
      return {
        mode: "unary",
        async push(request, signal) {
          await client.pushRegion(request, { headers, signal, timeoutMs });
        },
      };
    },
    onPush: (target, event) =>
      logPushChanges(log, "edge push", { url: target.url, region: o.identity.region })(event),
  });
  loop.start();
  log("info", "edge push started", { urls, region: o.identity.region, intervalMs: o.intervalMs });
  return {
    async close() {
      await loop.close();
      targets.close();
    },
  };
}

/**
 * This region's identity for the edge (the precedence rule is src/edge/region-push-identity.ts).
 * @throws ConfigError naming the variable when the base URL is missing or the location malformed.
 */
export function edgeIdentity(
  region: string,
  env: NodeJS.ProcessEnv,
  http: { host: string; port: number } | undefined,
  config: Pick<EdgePushConfig, "baseUrl" | "location"> = {},
): RegionIdentity {
  try {
    return regionIdentityFrom({ region, env, config, listener: http });
  } catch (err) {
    if (err instanceof RouterError) throw new ConfigError([err.message]);
    throw err;
  }
}
