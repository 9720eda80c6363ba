/** The deploy kit (runtimes/node/deploy) checked against our own schemas and the ext_proc contract. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { LIVENESS_SERVICE, READINESS_SERVICES } from "../../runtimes/node/health-server.js";
import { parseManifests } from "../../src/api/parse-manifests.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createRouterCore } from "../../src/routing/router-core.js";

const deploy = fileURLToPath(new URL("../../runtimes/node/deploy/", import.meta.url));
const k8s = join(deploy, "k8s");
const read = (path: string) => readFileSync(path, "utf8");
// biome-ignore lint/suspicious/noExplicitAny: walking parsed YAML
type Doc = Record<string, any>;
const docs = (path: string): Doc[] => parseAllDocuments(read(path)).map((d) => d.toJS() as Doc);

const OUR_KINDS = new Set([
  "InferencePool",
  "InferenceObjective",
  "InferenceModel",
  "InferenceModelRewrite",
  "EndpointPickerConfig",
  "RouterConfig",
]);
const KUBERNETES_KINDS = new Set(["Deployment", "Service", "Kustomization"]);

describe("deploy kit", () => {
  const envoy = docs(join(deploy, "envoy.yaml"))[0]!;
  const hcm = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const extProc = hcm.http_filters.find((f: Doc) => f.name === "envoy.filters.http.ext_proc").typed_config;
  const clusters: Record<string, Doc> = Object.fromEntries(
    envoy.static_resources.clusters.map((c: Doc) => [c.name, c]),
  );
  const kustomization = docs(join(k8s, "kustomization.yaml"))[0]!;
  const configFiles: string[] = kustomization.configMapGenerator[0].files;
  const config = parseManifests(configFiles.map((f) => ({ path: f, text: read(join(k8s, f)) })));

  it("ships the picker a config set our schemas accept", () => {
    expect(config.ok ? [] : config.errors).toEqual([]);
    if (!config.ok) return;
    expect(config.resources.pools.map((p) => p.name)).toEqual(["vllm-llama3-8b-instruct"]);
    expect(config.resources.objectives.map((o) => [o.name, o.priority])).toEqual([
      ["interactive", 10],
      ["batch", -1],
    ]);
    // The scheduler config must build (plugin types and parameters are checked there).
    expect(() =>
      createRouterCore(config.resources, { clock: { now: () => 0 }, random: createSeededRandom(1) }),
    ).not.toThrow();
  });

  it("holds only our kinds and plain Kubernetes kinds, and ours all parse together", () => {
    const ours: { path: string; text: string }[] = [];
    for (const file of readdirSync(k8s).filter((f) => f.endsWith(".yaml"))) {
      const kinds = docs(join(k8s, file)).map((d) => d.kind as string);
      for (const kind of kinds)
        expect(OUR_KINDS.has(kind) || KUBERNETES_KINDS.has(kind), `${file}: ${kind}`).toBe(true);
      if (kinds.every((k) => OUR_KINDS.has(k))) ours.push({ path: file, text: read(join(k8s, file)) });
    }
    expect(ours.map((f) => f.path).sort()).toEqual([...configFiles].sort());
    const parsed = parseManifests(ours);
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
  });

  it("points the pool at the picker's Service and the picker at the pool", () => {
    const pool = docs(join(k8s, "inference-pool.yaml"))[0]!;
    const [deployment, service] = docs(join(k8s, "picker.yaml"));
    expect(pool.spec.endpointPickerRef.name).toBe(service!.metadata.name);
    expect(pool.spec.endpointPickerRef.port.number).toBe(9002);
    const args: string[] = deployment!.spec.template.spec.containers[0].args;
    expect(args[args.indexOf("--pool-name") + 1]).toBe(pool.metadata.name);
    expect(service!.spec.ports.map((p: Doc) => p.port)).toEqual([9002, 9003, 9090, 9004, 8080]);
  });

  it("probes liveness and readiness separately, on the health service names the health server answers", () => {
    const [deployment] = docs(join(k8s, "picker.yaml"));
    const container = deployment!.spec.template.spec.containers[0];
    expect(container.livenessProbe.grpc).toEqual({ port: 9003, service: LIVENESS_SERVICE });
    expect(container.readinessProbe.grpc).toEqual({ port: 9003, service: "readiness" });
    expect(READINESS_SERVICES).toContain(container.readinessProbe.grpc.service);
    expect(container.ports.map((p: Doc) => p.containerPort)).toEqual([9002, 9003, 9090, 9004, 8080]);
  });

  it("replaces the picker on rollout rather than running two, and runs it as non-root", () => {
    const [deployment, service] = docs(join(k8s, "picker.yaml"));
    expect(deployment!.spec.strategy).toEqual({ type: "Recreate" });
    expect(deployment!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    // Agents reach the push API through the Service before the picker turns ready.
    expect(service!.spec.publishNotReadyAddresses).toBe(true);
  });

  it("mounts a ConfigMap whose name stays the same across edits (hot reload, no rollout)", () => {
    const [deployment] = docs(join(k8s, "picker.yaml"));
    const generator = kustomization.configMapGenerator[0];
    expect(generator.options.disableNameSuffixHash).toBe(true);
    const volumes = deployment!.spec.template.spec.volumes;
    expect(volumes.find((v: Doc) => v.name === "config").configMap.name).toBe(generator.name);
    const router = docs(join(k8s, "router.yaml"))[0]!;
    const secretMount = deployment!.spec.template.spec.containers[0].volumeMounts.find(
      (m: Doc) => m.name === "secrets",
    );
    expect(router.spec.auth.pushTokenFile).toBe(`${secretMount.mountPath}/push-token`);
  });

  it("wires Envoy's ext_proc filter as upstream's charts do", () => {
    expect(extProc.grpc_service.envoy_grpc.cluster_name).toBe("inference_router_picker");
    expect(extProc.processing_mode).toEqual({
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "FULL_DUPLEX_STREAMED",
      response_body_mode: "FULL_DUPLEX_STREAMED",
      request_trailer_mode: "SEND",
      response_trailer_mode: "SEND",
    });
    expect(extProc.message_timeout).toBe("1000s");
    expect(extProc.failure_mode_allow).toBe(false);
    // Without it Envoy drops the envoy.lb metadata the picker returns.
    expect(extProc.metadata_options.receiving_namespaces.untyped).toEqual(["envoy.lb"]);
  });

  it("sends each request to the picker's ordered endpoints through override-host", () => {
    const route = hcm.route_config.virtual_hosts[0].routes[0].route;
    const models = clusters[route.cluster]!;
    expect(models.type).toBe("STRICT_DNS"); // override-host only picks hosts the cluster knows
    expect(models.lb_policy).toBeUndefined();
    const policy = models.load_balancing_policy.policies[0].typed_extension_config;
    expect(policy.name).toBe("envoy.load_balancing_policies.override_host");
    expect(policy.typed_config["@type"]).toBe(
      "type.googleapis.com/envoy.extensions.load_balancing_policies.override_host.v3.OverrideHost",
    );
    expect(policy.typed_config.override_host_sources).toEqual([
      { metadata: { key: "envoy.lb", path: [{ key: "x-gateway-destination-endpoint" }] } },
      { header: "x-gateway-destination-endpoint" },
    ]);
    expect(policy.typed_config.fallback_policy.policies).toHaveLength(1);
    // The fallbacks are tried on retries, and only where no model server saw the request.
    expect(route.retry_policy.num_retries).toBeGreaterThanOrEqual(1);
    expect(route.retry_policy.retry_on.split(",")).not.toContain("5xx");
    expect(route.timeout).toBe("0s");
  });

  it("turns on Envoy's graceful ext_proc close, so side streams end without RST_STREAM", () => {
    const layers = envoy.layered_runtime.layers as { static_layer?: Record<string, unknown> }[];
    expect(
      layers.some((l) => l.static_layer?.["envoy.reloadable_features.ext_proc_graceful_grpc_close"] === true),
    ).toBe(true);
  });

  it("lifts Envoy's 1,024-request circuit breakers to upstream's 40,000 on both clusters", () => {
    for (const cluster of Object.values(clusters)) {
      const [thresholds] = cluster.circuit_breakers.thresholds;
      for (const key of ["max_connections", "max_pending_requests", "max_requests"])
        expect(thresholds[key], `${cluster.name}.${key}`).toBe(40_000);
    }
  });

  it("talks HTTP/2 to the picker and checks its ext_proc health service", () => {
    const picker = clusters[extProc.grpc_service.envoy_grpc.cluster_name]!;
    const options =
      picker.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    expect(options.explicit_http_config.http2_protocol_options).toBeDefined();
    expect(picker.health_checks[0].grpc_health_check.service_name).toBe(
      "envoy.service.ext_proc.v3.ExternalProcessor",
    );
    const endpoint = picker.load_assignment.endpoints[0].lb_endpoints[0].endpoint;
    const [, service] = docs(join(k8s, "picker.yaml"));
    expect(endpoint.address.socket_address.address).toBe(service!.metadata.name);
    expect(endpoint.address.socket_address.port_value).toBe(9002);
    expect(endpoint.health_check_config.port_value).toBe(9003);
  });

  it("resolves the model servers through a headless Service over the pool's pods and target port", () => {
    const [headless] = docs(join(deploy, "model-servers-headless.yaml"));
    const pool = docs(join(k8s, "inference-pool.yaml"))[0]!;
    expect(headless!.spec.clusterIP).toBe("None");
    expect(headless!.spec.selector).toEqual(pool.spec.selector.matchLabels);
    const address =
      clusters.model_servers!.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
    expect(address).toEqual({
      address: headless!.metadata.name,
      port_value: pool.spec.targetPorts[0].number,
    });
  });

  it("routes a Gateway's HTTPRoute to the kit's InferencePool", () => {
    const [gateway, route] = docs(join(deploy, "gateway-api.yaml"));
    const pool = docs(join(k8s, "inference-pool.yaml"))[0]!;
    expect(gateway!.kind).toBe("Gateway");
    expect(route!.kind).toBe("HTTPRoute");
    expect(route!.spec.parentRefs[0]).toMatchObject({ kind: "Gateway", name: gateway!.metadata.name });
    expect(route!.spec.rules[0].backendRefs).toEqual([
      { group: "inference.networking.k8s.io", kind: "InferencePool", name: pool.metadata.name },
    ]);
  });

  it("has a Dockerfile that starts serve with the mounted config", () => {
    const dockerfile = read(join(deploy, "Dockerfile"));
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "runtimes\/node\/bin.js"\]/);
    expect(dockerfile).toMatch(/EXPOSE 9002 9003 9090/);
  });
});
