import { describe, expect, it } from "vitest";
import { defaultRouterConfig, routerDefaults } from "../../src/api/router-config.js";
import { errorsOf, resourcesOf } from "./parse-helpers.js";

const header = "apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\n";

describe("RouterConfig", () => {
  it("has documented defaults for everything", () => {
    expect(defaultRouterConfig()).toEqual({
      listen: {
        apiPort: 9004,
        httpPort: 8080,
        extprocPort: 9002,
        healthPort: 9003,
        metricsPort: 9090,
        host: "0.0.0.0",
      },
      auth: { allowUnauthenticatedPush: false },
      limits: {
        maxMessageBytes: 4194304,
        maxBodyBytes: 33554432,
        maxEndpointsPerSnapshot: 10000,
        maxSourcesPerPool: 1000,
        bodyReadTimeoutMs: 30000,
        maxBufferedBodyBytes: 536870912,
      },
      state: {
        stalenessMs: 2000,
        expiryMs: 60000,
        sweepIntervalMs: 500,
        staleEndpoints: "saturated",
        maxClockSkewMs: 5000,
      },
      scheduler: {},
      extproc: {
        initialConnectionWindowSize: 16777216,
        initialStreamWindowSize: 1048576,
        bodyMode: "FULL_DUPLEX_STREAMED",
      },
      proxy: {
        connectTimeoutMs: 2000,
        firstByteTimeoutMs: 60000,
        idleTimeoutMs: 60000,
        maxAttempts: 3,
        enginePriority: "off",
        trustedHeaders: [],
        outlierDetection: { baseEjectionMs: 5000, maxEjectionMs: 60000 },
      },
      edge: {},
      ui: { recentDecisions: 200 },
      tracing: { serviceName: "inference-router" },
    });
  });

  it("returns a fresh object from each defaultRouterConfig call", () => {
    const a = defaultRouterConfig();
    a.listen.httpPort = 1;
    expect(defaultRouterConfig().listen.httpPort).toBe(8080);
  });

  it("is the default when the config set has no RouterConfig", () => {
    expect(resourcesOf("").router).toEqual(defaultRouterConfig());
  });

  it("fills defaults around the fields that are set, and accepts port 0", () => {
    const { router } = resourcesOf(`${header}spec:
  listen: { httpPort: 0 }
  auth: { pushToken: secret, readTokenFile: /run/read-token }
  edge: { push: { url: "https://edge.example.com", region: eu-west } }
`);
    expect(router.listen).toEqual({ ...defaultRouterConfig().listen, httpPort: 0 });
    expect(router.auth).toEqual({
      pushToken: "secret",
      readTokenFile: "/run/read-token",
      allowUnauthenticatedPush: false,
    });
    expect(router.edge.push).toEqual({
      url: "https://edge.example.com",
      region: "eu-west",
      intervalMs: 1000,
    });
  });

  it("takes a list of edges to push to, and names a bad entry", () => {
    const { router } = resourcesOf(
      `${header}spec:\n  edge: { push: { url: ["https://edge-a.example.com", "https://edge-b.example.com"], region: eu } }\n`,
    );
    expect(router.edge.push?.url).toEqual(["https://edge-a.example.com", "https://edge-b.example.com"]);
    expect(errorsOf(`${header}spec:\n  edge: { push: { url: [], region: eu } }\n`).join("\n")).toContain(
      "spec.edge.push.url",
    );
  });

  it("trusts only the headers it knows to steer routing, case-insensitively, and names any other", () => {
    const { router } = resourcesOf(
      `${header}spec:\n  proxy: { trustedHeaders: [X-Gateway-Model-Name-Rewrite] }\n`,
    );
    expect(router.proxy.trustedHeaders).toEqual(["x-gateway-model-name-rewrite"]);
    expect(errorsOf(`${header}spec:\n  proxy: { trustedHeaders: [x-forwarded-for] }\n`)[0]).toContain(
      "spec.proxy.trustedHeaders[0]",
    );
  });

  it("takes saturated or exclude as the stale-endpoint policy, and names anything else", () => {
    expect(
      resourcesOf(`${header}spec:\n  state: { staleEndpoints: exclude }\n`).router.state.staleEndpoints,
    ).toBe("exclude");
    expect(errorsOf(`${header}spec:\n  state: { staleEndpoints: drop }\n`)[0]).toContain(
      "spec.state.staleEndpoints",
    );
  });

  it("names a misspelt key as an error", () => {
    expect(errorsOf(`${header}spec:\n  listen: { httpPrt: 80 }\n`)).toEqual([
      "test.yaml#0 spec.listen.httpPrt: 80 — is not a known field (check its spelling)",
    ]);
  });

  it("refuses out-of-range ports, non-positive limits and impossible combinations, all at once", () => {
    const errors = errorsOf(`${header}spec:
  listen: { apiPort: 65536, metricsPort: -1 }
  limits: { maxBodyBytes: 0 }
  auth: { pushToken: a, pushTokenFile: /x }
  extproc: { initialConnectionWindowSize: 1024, initialStreamWindowSize: 2147483648, bodyMode: STREAMED }
  proxy: { maxAttempts: 17 }
  edge: { push: { url: "ftp://x", region: "" } }
`);
    expect(errors).toEqual([
      "test.yaml#0 spec.listen.apiPort: 65536 — must be between 0 and 65535 (0 picks a free port)",
      "test.yaml#0 spec.listen.metricsPort: -1 — must be between 0 and 65535 (0 picks a free port)",
      'test.yaml#0 spec.auth.pushTokenFile: "/x" — set pushToken or pushTokenFile, not both',
      "test.yaml#0 spec.limits.maxBodyBytes: 0 — must be at least 1",
      "test.yaml#0 spec.extproc.initialConnectionWindowSize: 1024 — must be between 65535 and 2147483647 (HTTP/2 window sizes)",
      "test.yaml#0 spec.extproc.initialStreamWindowSize: 2147483648 — must be between 65535 and 2147483647 (HTTP/2 window sizes)",
      'test.yaml#0 spec.extproc.bodyMode: "STREAMED" — must be FULL_DUPLEX_STREAMED or BUFFERED (Envoy\'s request_body_mode)',
      "test.yaml#0 spec.proxy.maxAttempts: 17 — must be at most 16",
      'test.yaml#0 spec.edge.push.url: "ftp://x" — must be an http(s) URL',
      'test.yaml#0 spec.edge.push.region: "" — must not be empty',
    ]);
  });

  it("refuses an edge location with a bad continent, colo or a lone latitude", () => {
    const errors = errorsOf(`${header}spec:
  edge: { push: { url: "https://edge.example.com", region: eu, location: { latitude: 50, continent: Europe, colos: [FRANKFURT] } } }
`);
    expect(errors).toEqual([
      'test.yaml#0 spec.edge.push.location.continent: "Europe" — must be a two-letter continent code',
      'test.yaml#0 spec.edge.push.location.colos[0]: "FRANKFURT" — must be a three-letter IATA code',
      'test.yaml#0 spec.edge.push.location: {"latitude":50,"continent":"Europe","colos":["FRANKFURT"]} — set latitude and longitude together',
    ]);
    expect(
      errorsOf(`${header}spec:
  edge: { push: { url: "https://edge.example.com", region: eu, location: { latitude: 50 } } }
`),
    ).toEqual(['test.yaml#0 spec.edge.push.location: {"latitude":50} — set latitude and longitude together']);
  });

  it("refuses an expiry shorter than the staleness limit", () => {
    expect(errorsOf(`${header}spec: { state: { stalenessMs: 5000, expiryMs: 1000 } }\n`)).toEqual([
      "test.yaml#0 spec.state.expiryMs: 1000 — must be at least stalenessMs",
    ]);
  });

  it("refuses a second RouterConfig", () => {
    expect(errorsOf(`${header}---\n${header}`)).toEqual([
      'test.yaml#1 kind: "RouterConfig" — only one RouterConfig is allowed (first at test.yaml#0)',
    ]);
  });

  it("refuses a scheduler configRef or profile that names nothing", () => {
    const epc = `---
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
metadata: { name: sched }
plugins: [{ type: queue-scorer }]
schedulingProfiles: [{ name: default, plugins: [{ pluginRef: queue-scorer }] }]
`;
    expect(errorsOf(`${header}spec: { scheduler: { configRef: nope } }\n${epc}`)).toEqual([
      'test.yaml#0 spec.scheduler.configRef: "nope" — must name an EndpointPickerConfig of this config (defined: sched (test.yaml#1))',
    ]);
    expect(errorsOf(`${header}spec: { scheduler: { configRef: sched, profile: fast } }\n${epc}`)).toEqual([
      'test.yaml#0 spec.scheduler.profile: "fast" — must name a profile of EndpointPickerConfig sched (test.yaml#1) (defined: default)',
    ]);
    expect(
      resourcesOf(`${header}spec: { scheduler: { configRef: sched, profile: default } }\n${epc}`).router
        .scheduler,
    ).toEqual({
      configRef: "sched",
      profile: "default",
    });
  });

  it("fills every default from routerDefaults, the one place defaults are stated", () => {
    const { edgePush, ...sections } = routerDefaults;
    expect(defaultRouterConfig()).toMatchObject(sections);
    expect(
      resourcesOf(`${header}spec: { edge: { push: { url: "http://edge", region: eu } } }\n`).router.edge.push
        ?.intervalMs,
    ).toBe(edgePush.intervalMs);
  });
});
