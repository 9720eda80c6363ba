/**
 * Pushes this region's pool summary to the edge's EdgeService every interval (RouterConfig
 * spec.edge.push). Logs each change between failing and succeeding once; never throws. On close it
 * sends one last push marked draining, so the edge stops sending new requests here at once.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { RouterConfig } from "../../src/api/router-config.js";
import { nextRegionSequence, summarizePools } from "../../src/edge/pool-summary.js";
import { parseRegionLocationText } from "../../src/edge/region-location-text.js";
import { type RegionIdentity, regionPushMessage } from "../../src/edge/region-push-message.js";
import { EdgeService } from "../../src/gen/inferencerouter/v1/edge_pb.js";
import type { PoolStore } from "../../src/state/pool-store.js";
import { ConfigError } from "./config-loader.js";
import { log } from "./log.js";

type EdgePushConfig = NonNullable<RouterConfig["edge"]["push"]>;

export interface EdgePushOptions {
  /** Base URL of the edge (its Connect API), e.g. https://edge.example.com. */
  url: string;
  token?: string | undefined;
  intervalMs: number;
  identity: RegionIdentity;
  store: PoolStore;
  /** Client-facing model names the router serves (read on every push: config reloads change them). */
  models: () => string[];
}

/** A running push loop. */
export interface EdgePusher {
  /** Stops the loop after one last push marked draining (bounded by the interval). */
  close(): Promise<void>;
}

export function startEdgePush(o: EdgePushOptions): EdgePusher {
  const client = createClient(EdgeService, createConnectTransport({ baseUrl: o.url, httpVersion: "1.1" }));
  const headers: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  let sequence: bigint | undefined;
  let failing = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function pushOnce(draining: boolean): Promise<void> {
    const now = Date.now();
    sequence = nextRegionSequence(sequence, now);
    const models = summarizePools(o.store, { extraModels: o.models() });
    const req = regionPushMessage(o.identity, models, sequence, now, draining);
    try {
      await client.pushRegion(req, { headers, timeoutMs: Math.max(1000, o.intervalMs * 2) });
      if (failing) log("info", "edge push recovered", { url: o.url, region: o.identity.region });
      failing = false;
    } catch (err) {
      const e = ConnectError.from(err);
      if (!failing) {
        log("warn", "edge push failed", {
          url: o.url,
          region: o.identity.region,
          code: Code[e.code],
          error: e.rawMessage,
        });
      }
      failing = true;
    }
  }

  const loop = async () => {
    await pushOnce(false);
    if (!stopped) timer = setTimeout(loop, o.intervalMs);
  };
  timer = setTimeout(loop, 0);
  log("info", "edge push started", { url: o.url, region: o.identity.region, intervalMs: o.intervalMs });
  return {
    async close() {
      stopped = true;
      clearTimeout(timer);
      let cap: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([pushOnce(true), new Promise((r) => (cap = setTimeout(r, o.intervalMs)))]);
      clearTimeout(cap);
    },
  };
}

/**
 * This region's identity for the edge: its name from the config; base URL and location from
 * INFERENCE_ROUTER_EDGE_BASE_URL and INFERENCE_ROUTER_EDGE_LOCATION
 * ("latitude=50.11,longitude=8.68,continent=EU,colos=FRA|AMS") when set, else from edge.push.baseUrl
 * and edge.push.location. The base URL defaults to the HTTP router's own listener.
 * @throws ConfigError naming the variable when the base URL is missing or the location malformed.
 */
export function edgeIdentity(
  region: string,
  env: NodeJS.ProcessEnv,
  http: { host: string; port: number } | undefined,
  config: Pick<EdgePushConfig, "baseUrl" | "location"> = {},
): RegionIdentity {
  const wildcard = http?.host === "0.0.0.0" || http?.host === "::";
  const own = http ? `http://${wildcard ? "127.0.0.1" : http.host}:${http.port}` : undefined;
  const baseUrl = env.INFERENCE_ROUTER_EDGE_BASE_URL || config.baseUrl || own;
  if (baseUrl === undefined) {
    throw new ConfigError(["edge.push needs this region's public URL: set INFERENCE_ROUTER_EDGE_BASE_URL"]);
  }
  if (!env.INFERENCE_ROUTER_EDGE_LOCATION && config.location) {
    const l = config.location;
    return {
      region,
      baseUrl,
      location: {
        latitude: l.latitude,
        longitude: l.longitude,
        continent: (l.continent ?? "").toUpperCase(),
        colos: (l.colos ?? []).map((c) => c.toUpperCase()),
      },
    };
  }
  const text = env.INFERENCE_ROUTER_EDGE_LOCATION ?? "";
  try {
    return { region, baseUrl, location: parseRegionLocationText(text) };
  } catch (err) {
    throw new ConfigError([`INFERENCE_ROUTER_EDGE_LOCATION: ${(err as Error).message}`]);
  }
}
