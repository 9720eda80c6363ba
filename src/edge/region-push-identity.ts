/**
 * Which source wins for a region's identity in its push to the edge: the environment over the
 * config file over the router's own HTTP listener. Operators set the environment per deployment
 * (one image, one config, many regions), so it must beat the shared config.
 */
import { RouterError } from "../core/errors.js";
import { parseRegionLocationText } from "./region-location-text.js";
import type { RegionIdentity } from "./region-push-message.js";

/** Overrides edge.push.baseUrl: the URL the edge forwards this region's requests to. */
export const EDGE_BASE_URL_ENV = "INFERENCE_ROUTER_EDGE_BASE_URL";
/** Overrides edge.push.location, in the one-line form "latitude=50.11,longitude=8.68,continent=EU,colos=FRA|AMS". */
export const EDGE_LOCATION_ENV = "INFERENCE_ROUTER_EDGE_LOCATION";

/** edge.push.location as the config file states it (codes in any case). */
export interface ConfiguredRegionLocation {
  latitude?: number | undefined;
  longitude?: number | undefined;
  continent?: string | undefined;
  colos?: string[] | undefined;
}

/** Everything the identity may come from. */
export interface RegionIdentitySources {
  /** The region's name (edge.push.region). */
  region: string;
  /** Environment variables; an empty value counts as unset. */
  env: Readonly<Record<string, string | undefined>>;
  /** edge.push.baseUrl and edge.push.location. */
  config?: { baseUrl?: string | undefined; location?: ConfiguredRegionLocation | undefined };
  /** The router's own HTTP listener: the base URL when nothing else names one. */
  listener?: { host: string; port: number } | undefined;
}

/** The listener's URL; a wildcard host is reached on loopback. */
function listenerUrl(l: { host: string; port: number }): string {
  const host = l.host === "0.0.0.0" || l.host === "::" ? "127.0.0.1" : l.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${l.port}`;
}

/**
 * The region's identity. Base URL: EDGE_BASE_URL_ENV, else edge.push.baseUrl, else the HTTP
 * listener. Location: EDGE_LOCATION_ENV when set, else edge.push.location (codes upper-cased), else
 * none (empty continent and colos).
 * @throws RouterError("BadRequest") naming the variable when no base URL is known or the location text is malformed.
 *
 * @example
 * regionIdentityFrom({ region: "eu", env: process.env, listener: { host: "0.0.0.0", port: 8080 } });
 * // { region: "eu", baseUrl: "http://127.0.0.1:8080", location: { continent: "", colos: [] } }
 */
export function regionIdentityFrom(s: RegionIdentitySources): RegionIdentity {
  const { region, env, config = {} } = s;
  const baseUrl =
    env[EDGE_BASE_URL_ENV] || config.baseUrl || (s.listener ? listenerUrl(s.listener) : undefined);
  if (baseUrl === undefined) {
    throw new RouterError(
      "BadRequest",
      `edge.push needs this region's public URL: set ${EDGE_BASE_URL_ENV}`,
      EDGE_BASE_URL_ENV,
    );
  }
  const text = env[EDGE_LOCATION_ENV];
  if (!text && config.location) {
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
  try {
    return { region, baseUrl, location: parseRegionLocationText(text ?? "") };
  } catch (err) {
    throw new RouterError("BadRequest", `${EDGE_LOCATION_ENV}: ${(err as Error).message}`, EDGE_LOCATION_ENV);
  }
}
