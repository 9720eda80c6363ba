import { describe, expect, it } from "vitest";
import {
  connectionListed,
  forwardsRequestHeader,
  forwardsResponseHeader,
  isHopByHop,
  isRetryableStatus,
} from "../../src/proxy/forward-policy.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "../../src/proxy/forwarded-headers.js";

describe("the forwarding policy", () => {
  it("sends 5xx and 429 answers before the first byte to the next fallback, and nothing else", () => {
    for (const s of [500, 502, 503, 504, 599, 429]) expect(isRetryableStatus(s)).toBe(true);
    for (const s of [200, 204, 301, 400, 401, 404, 413, 428, 499]) expect(isRetryableStatus(s)).toBe(false);
  });

  it("forwards no hop-by-hop header in either direction", () => {
    for (const h of ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade"]) {
      expect(isHopByHop(h)).toBe(true);
      expect(forwardsRequestHeader(h)).toBe(false);
      expect(forwardsResponseHeader(h)).toBe(false);
    }
    expect(forwardsRequestHeader("proxy-authorization")).toBe(false);
    expect(forwardsResponseHeader("proxy-authenticate")).toBe(false);
  });

  it("drops the client's framing and routing headers, keeps the rest", () => {
    for (const h of ["host", "content-length", "expect", "accept-encoding"])
      expect(forwardsRequestHeader(h)).toBe(false);
    for (const h of [
      "x-gateway-destination-endpoint",
      "x-gateway-destination-endpoint-subset",
      "x-gateway-destination-endpoint-served",
    ])
      expect(forwardsRequestHeader(h)).toBe(false);
    for (const h of ["authorization", "content-type", "x-request-id", "x-gateway-inference-objective"])
      expect(forwardsRequestHeader(h)).toBe(true);
  });

  it("drops the upstream's length and encoding (the body is re-framed), keeps the rest", () => {
    expect(forwardsResponseHeader("content-length")).toBe(false);
    expect(forwardsResponseHeader("content-encoding")).toBe(false);
    expect(forwardsResponseHeader("content-type")).toBe(true);
    expect(forwardsResponseHeader("set-cookie")).toBe(true);
  });

  it("reads the names a Connection header lists", () => {
    expect([...connectionListed("keep-alive, X-Trace ,")]).toEqual(["keep-alive", "x-trace"]);
    expect([...connectionListed(["a", "b"])]).toEqual(["a", "b"]);
    expect(connectionListed(null).size).toBe(0);
  });
});

describe("the proxy's header records", () => {
  it("send upstream the client's headers by the policy, minus those its Connection header lists", () => {
    const out = upstreamRequestHeaders(
      {
        connection: "x-trace",
        "x-trace": "1",
        "keep-alive": "timeout=5",
        "x-gateway-destination-endpoint": "10.9.9.9:1",
        "content-type": "application/json",
        "x-request-id": "client",
      },
      "rid",
    );
    expect(out).toEqual({
      "content-type": "application/json",
      "x-request-id": "rid",
      "accept-encoding": "identity",
    });
  });

  it("send the client the upstream's headers by the policy, plus the id and where it was served", () => {
    const out = clientResponseHeaders(
      {
        "transfer-encoding": "chunked",
        "content-length": "5",
        "content-type": "text/plain",
        "set-cookie": ["a", "b"],
      },
      "rid",
      "10.0.0.1:8000",
      2,
    );
    expect(out).toEqual({
      "content-type": "text/plain",
      "set-cookie": ["a", "b"],
      "x-request-id": "rid",
      "x-inference-endpoint": "10.0.0.1:8000",
      "x-inference-attempts": "2",
    });
  });
});
