/** Pushing regions and playing them with a replaced fetch, for the worker tests. */
import { SELF } from "cloudflare:test";
import { vi } from "vitest";

export const TOKEN = "test-push-token";
const RPC = "https://edge.test/inferencerouter.v1.EdgeService";

/** A model summary as JSON (Connect protocol field names). */
export function model(name: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: name,
    endpointsReady: 4,
    endpointsTotal: 4,
    capacity: 4,
    freeCapacity: 3,
    queueDepth: 0,
    runningRequests: 2,
    kvHeadroom: 0.7,
    saturation: 0.25,
    ...over,
  };
}

export const FRANKFURT = { latitude: 50.11, longitude: 8.68, continent: "EU", colos: ["FRA"] };
export const VIRGINIA = { latitude: 38.95, longitude: -77.45, continent: "NA", colos: ["IAD"] };

let clock = BigInt(Date.now()) * 1000n;
/** A sequence larger than every one handed out before. */
export function nextSequence(): string {
  clock += 1n;
  return clock.toString();
}

/** Calls an EdgeService method with JSON (Connect protocol). */
/** `token` null sends no Authorization header. */
export function rpc(method: string, body: unknown, token: string | null = TOKEN): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return SELF.fetch(`${RPC}/${method}`, { method: "POST", headers, body: JSON.stringify(body) });
}

/** Pushes a region; returns the response. */
export function pushRegion(push: Record<string, unknown>, token: string | null = TOKEN): Promise<Response> {
  return rpc("PushRegion", { sequence: nextSequence(), ...push }, token);
}

/** Pushes and expects success. */
export async function mustPush(push: Record<string, unknown>): Promise<void> {
  const res = await pushRegion(push);
  if (res.status !== 200) throw new Error(`push refused: ${res.status} ${await res.text()}`);
}

/** A chat request from a client at `cf`. */
export function chat(
  modelName: string,
  cf: Record<string, unknown>,
  init: { session?: string; stream?: boolean } = {},
) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.session) headers["x-session-id"] = init.session;
  return SELF.fetch("https://edge.test/v1/chat/completions", {
    method: "POST",
    headers,
    body: JSON.stringify({
      model: modelName,
      messages: [{ role: "user", content: "Hello" }],
      stream: init.stream === true,
    }),
    cf,
  } as RequestInit);
}

/** A region played by a function of the forwarded request, keyed by host. */
export type RegionBehaviour = (request: Request) => Response | Promise<Response>;

/** Replaces globalThis.fetch: requests to a known host get its behaviour, others fail to connect. */
export function playRegions(regions: Record<string, RegionBehaviour>) {
  // Bodies are read inside the mock: a request object cannot be read from the test's I/O context later.
  const seen: { host: string; request: Request; body: string }[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const host = new URL(request.url).host;
    seen.push({ host, request, body: await request.clone().text() });
    const behaviour = regions[host];
    if (!behaviour) throw new TypeError(`connection refused: ${host}`);
    return behaviour(request);
  });
  return { seen, restore: () => spy.mockRestore() };
}

/** A region answering every request with a small JSON completion naming itself. */
export function answers(name: string, status = 200): RegionBehaviour {
  return () =>
    new Response(JSON.stringify({ served_by: name }), {
      status,
      headers: { "content-type": "application/json" },
    });
}
