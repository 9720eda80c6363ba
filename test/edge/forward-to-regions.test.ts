import { describe, expect, it } from "vitest";
import { forwardableHeaders, forwardToRegions } from "../../src/edge/forward-to-regions.js";

const targets = [
  { region: "a", baseUrl: "http://a.test" },
  { region: "b", baseUrl: "http://b.test" },
];

function request() {
  return {
    method: "POST",
    pathAndQuery: "/v1/completions?x=1",
    headers: new Headers({ "content-type": "application/json" }),
    body: new TextEncoder().encode('{"model":"m","prompt":"hi"}') as Uint8Array<ArrayBuffer>,
  };
}

describe("forwardToRegions", () => {
  it("returns the first region's answer with its name, path and query kept", async () => {
    const urls: string[] = [];
    const r = await forwardToRegions(targets, request(), {
      firstByteTimeoutMs: 1000,
      fetch: async (req) => {
        urls.push(req.url);
        return new Response("ok", { status: 200 });
      },
    });
    expect(urls).toEqual(["http://a.test/v1/completions?x=1"]);
    expect(r.region).toBe("a");
    expect(r.response.headers.get("x-edge-region")).toBe("a");
    expect(await r.response.text()).toBe("ok");
  });

  it("moves on after a timeout before the response headers", async () => {
    const r = await forwardToRegions(targets, request(), {
      firstByteTimeoutMs: 20,
      fetch: (req) =>
        req.url.startsWith("http://a.test")
          ? new Promise<Response>(() => undefined)
          : Promise.resolve(new Response("from b")),
    });
    expect(r.attempts).toEqual([
      { region: "a", outcome: "timeout" },
      { region: "b", outcome: "ok" },
    ]);
  });

  it("throws BadGateway naming every attempt when nobody answers", async () => {
    await expect(
      forwardToRegions(targets, request(), {
        firstByteTimeoutMs: 1000,
        fetch: () => Promise.reject(new TypeError("ECONNREFUSED")),
      }),
    ).rejects.toThrow("no region answered: a (connect error: ECONNREFUSED), b (connect error: ECONNREFUSED)");
  });

  it("drops hop-by-hop and cf-* request headers", () => {
    const h = forwardableHeaders(
      new Headers({
        host: "edge",
        "cf-connecting-ip": "1.2.3.4",
        connection: "keep-alive",
        "x-session-id": "s",
      }),
    );
    expect([...h.keys()]).toEqual(["x-session-id"]);
  });

  it("drops the client's routing headers, the edge's region header and what Connection lists", () => {
    const h = forwardableHeaders(
      new Headers({
        connection: "x-trace",
        "x-trace": "1",
        "x-gateway-destination-endpoint": "10.0.0.9:8000",
        "x-edge-region": "forged",
        "content-length": "10",
        "x-request-id": "r",
      }),
    );
    expect([...h.keys()]).toEqual(["x-request-id"]);
  });

  it("moves on after a 429 or a 5xx, and passes a 4xx through as the answer", async () => {
    const answers: Record<string, number> = { "a.test": 429, "b.test": 404 };
    const r = await forwardToRegions(targets, request(), {
      firstByteTimeoutMs: 1000,
      fetch: async (req) => new Response("x", { status: answers[new URL(req.url).host] }),
    });
    expect(r.attempts).toEqual([
      { region: "a", outcome: "status 429" },
      { region: "b", outcome: "ok" },
    ]);
    expect(r.response.status).toBe(404);
  });

  it("drops hop-by-hop, length and encoding headers of the region's answer", async () => {
    const r = await forwardToRegions(targets, request(), {
      firstByteTimeoutMs: 1000,
      fetch: async () =>
        new Response("ok", {
          headers: { "keep-alive": "timeout=5", "content-encoding": "gzip", "x-engine": "vllm" },
        }),
    });
    expect(r.response.headers.get("keep-alive")).toBeNull();
    expect(r.response.headers.get("content-encoding")).toBeNull();
    expect(r.response.headers.get("x-engine")).toBe("vllm");
  });
});
