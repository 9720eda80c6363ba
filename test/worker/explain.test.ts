import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FRANKFURT, model, mustPush, rpc, VIRGINIA } from "./helpers.js";

interface ExplainJson {
  picked?: string[];
  candidates?: { region: string; distanceKm?: number; saturated?: boolean }[];
  excluded?: { region: string; reason: string }[];
  locatedBy?: string;
  sessionKey?: string;
  error?: string;
}

describe("ExplainRegion", () => {
  it("explains a pick for a given location with every candidate's score parts", async () => {
    await mustPush({
      region: "explain-eu",
      baseUrl: "https://explain-eu.test",
      location: FRANKFURT,
      models: [model("m-explain")],
    });
    await mustPush({
      region: "explain-us",
      baseUrl: "https://explain-us.test",
      location: VIRGINIA,
      models: [model("m-explain")],
    });
    await mustPush({
      region: "explain-gone",
      baseUrl: "https://explain-gone.test",
      draining: true,
      models: [model("m-explain")],
    });
    const res = await rpc("ExplainRegion", { model: "m-explain", colo: "IAD", sessionId: "s1" }, null);
    expect(res.status).toBe(200);
    const x = (await res.json()) as ExplainJson;
    expect(x.picked).toEqual(["explain-us", "explain-eu"]);
    expect(x.locatedBy).toBe("colo");
    expect(x.sessionKey).toBe("s:s1");
    expect(x.candidates?.find((c) => c.region === "explain-us")?.distanceKm ?? 0).toBe(0);
    expect(x.excluded).toContainEqual({ region: "explain-gone", reason: "draining" });
  });

  it("locates the caller from request.cf when the request gives no location", async () => {
    await mustPush({
      region: "explain-cf-eu",
      baseUrl: "https://explain-cf-eu.test",
      location: FRANKFURT,
      models: [model("m-explain-cf")],
    });
    await mustPush({
      region: "explain-cf-us",
      baseUrl: "https://explain-cf-us.test",
      location: VIRGINIA,
      models: [model("m-explain-cf")],
    });
    const res = await SELF.fetch("https://edge.test/inferencerouter.v1.EdgeService/ExplainRegion", {
      method: "POST",
      headers: { "content-type": "application/json", "x-edge-client-location": '{"continent":"NA"}' },
      body: JSON.stringify({ model: "m-explain-cf" }),
      cf: { continent: "EU", latitude: "48.85", longitude: "2.35" },
    } as RequestInit);
    const x = (await res.json()) as ExplainJson;
    expect(x.locatedBy).toBe("latlong");
    expect(x.picked?.[0]).toBe("explain-cf-eu");
  });
});

describe("GET /v1/models", () => {
  it("lists the models fresh, non-draining regions serve", async () => {
    await mustPush({
      region: "models-a",
      baseUrl: "https://models-a.test",
      models: [model("m-listed"), model("*")],
    });
    await mustPush({
      region: "models-b",
      baseUrl: "https://models-b.test",
      draining: true,
      models: [model("m-drained")],
    });
    const res = await SELF.fetch("https://edge.test/v1/models");
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    expect(ids).toContain("m-listed");
    expect(ids).not.toContain("m-drained");
    expect(ids).not.toContain("*");
  });
});
