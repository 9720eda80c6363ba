import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, it } from "vitest";
import { edgeIdentity, startEdgePush } from "../../../runtimes/node/edge-push.js";
import { createEdgeApp } from "../../../src/edge/edge-app.js";
import { edgeConfigFromEnv } from "../../../src/edge/edge-config.js";
import { createMemoryBackend } from "../../../src/edge/region-backend.js";
import { RegionDirectory } from "../../../src/edge/region-directory.js";
import { EdgeService } from "../../../src/gen/inferencerouter/v1/edge_pb.js";
import { PoolStore } from "../../../src/state/pool-store.js";
import { endpoint, snapshot } from "../../state/fixtures.js";

const TOKEN = "node-push-token";
const servers: Server[] = [];

afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** The edge app (in-memory directory) on a loopback port: the same app the worker serves. */
async function startEdge(directory: RegionDirectory): Promise<string> {
  const { app } = createEdgeApp({
    config: edgeConfigFromEnv({}),
    backend: createMemoryBackend(directory),
    pushToken: TOKEN,
    cf: () => undefined,
    fetch: (r) => fetch(r),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () =>
      resolve(s as Server),
    ) as Server;
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the region's push to the edge", () => {
  it("pushes the pool summary every interval, and a draining push on close", async () => {
    const directory = new RegionDirectory();
    const url = await startEdge(directory);
    const store = new PoolStore({ clock: { now: () => Date.now() } });
    store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
    store.push(
      snapshot(1, [{ ...endpoint("10.0.0.1:8000"), models: ["llama"] }], { observedAt: Date.now() }),
    );
    const identity = edgeIdentity(
      "eu-central",
      { INFERENCE_ROUTER_EDGE_LOCATION: "latitude=50.1,longitude=8.7,continent=EU,colos=FRA" },
      { host: "0.0.0.0", port: 8080 },
    );
    expect(identity.baseUrl).toBe("http://127.0.0.1:8080");
    const pusher = startEdgePush({
      url,
      token: TOKEN,
      intervalMs: 50,
      identity,
      store,
      models: () => ["chat"],
    });
    await until(() => (directory.get("eu-central")?.sequence ?? 0n) > 0n);
    const first = directory.get("eu-central")!;
    await until(() => directory.get("eu-central")!.sequence > first.sequence);
    expect(first.location).toEqual({ latitude: 50.1, longitude: 8.7, continent: "EU", colos: ["FRA"] });
    expect(first.models.map((m) => [m.model, m.endpointsReady])).toEqual([
      ["chat", 1],
      ["llama", 1],
    ]);
    expect(first.draining).toBe(false);
    await pusher.close();
    expect(directory.get("eu-central")?.draining).toBe(true);

    // The same API answers gRPC-Web.
    const client = createClient(EdgeService, createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }));
    const { regions } = await client.listRegions({});
    expect(regions.map((r) => [r.region, r.draining])).toEqual([["eu-central", true]]);
  });

  it("pushes the same summary to every edge of a list, and keeps pushing to one while another is down", async () => {
    const [a, b] = [new RegionDirectory(), new RegionDirectory()];
    const urls = [await startEdge(a), await startEdge(b)];
    // A third edge that refuses connections: its own loop backs off, the others carry on.
    const down = await startEdge(new RegionDirectory());
    servers.pop()!.close();
    const store = new PoolStore({ clock: { now: () => Date.now() } });
    store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
    store.push(
      snapshot(1, [{ ...endpoint("10.0.0.1:8000"), models: ["llama"] }], { observedAt: Date.now() }),
    );
    const pusher = startEdgePush({
      url: [...urls, down],
      token: TOKEN,
      intervalMs: 50,
      identity: { region: "eu", baseUrl: "http://eu.test", location: { continent: "EU", colos: [] } },
      store,
      models: () => [],
    });
    await until(() => (a.get("eu")?.sequence ?? 0n) > 0n && (b.get("eu")?.sequence ?? 0n) > 0n);
    const first = a.get("eu")!.sequence;
    await until(() => a.get("eu")!.sequence > first && b.get("eu")!.sequence > first);
    await pusher.close();
    // The draining push closes the round at both edges with one sequence.
    expect([a.get("eu")?.draining, b.get("eu")?.draining]).toEqual([true, true]);
    expect(a.get("eu")?.sequence).toBe(b.get("eu")?.sequence);
  });

  it("needs a base URL and a well-formed location", () => {
    expect(() => edgeIdentity("r", {}, undefined)).toThrow(/INFERENCE_ROUTER_EDGE_BASE_URL/);
    expect(() =>
      edgeIdentity("r", { INFERENCE_ROUTER_EDGE_LOCATION: "lat=1" }, { host: "h", port: 1 }),
    ).toThrow(/INFERENCE_ROUTER_EDGE_LOCATION: location: unknown key "lat"/);
  });

  it("takes the base URL and location from edge.push when the environment sets none", () => {
    const id = edgeIdentity(
      "eu",
      {},
      { host: "0.0.0.0", port: 8080 },
      {
        baseUrl: "https://eu.example.com",
        location: { latitude: 50.1, longitude: 8.7, continent: "eu", colos: ["fra"] },
      },
    );
    expect(id).toEqual({
      region: "eu",
      baseUrl: "https://eu.example.com",
      location: { latitude: 50.1, longitude: 8.7, continent: "EU", colos: ["FRA"] },
    });
    const env = edgeIdentity("eu", { INFERENCE_ROUTER_EDGE_BASE_URL: "http://10.0.0.9:8080" }, undefined, {
      baseUrl: "https://eu.example.com",
    });
    expect(env.baseUrl).toBe("http://10.0.0.9:8080");
  });
});
