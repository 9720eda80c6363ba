/** The deploy kit (runtimes/node/deploy) checked against our own schemas and the ext_proc contract. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
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
    expect(service!.spec.ports.map((p: Doc) => p.port)).toEqual([9002, 9003, 9090, 9004]);
    const probe = deployment!.spec.template.spec.containers[0].readinessProbe.grpc;
    expect(probe).toEqual({ port: 9003, service: "envoy.service.ext_proc.v3.ExternalProcessor" });
  });

  it("wires Envoy as the ext_proc contract says", () => {
    const envoy = docs(join(deploy, "envoy.yaml"))[0]!;
    const hcm = envoy.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    const extProc = hcm.http_filters.find((f: Doc) => f.name === "envoy.filters.http.ext_proc").typed_config;
    expect(extProc.processing_mode).toMatchObject({
      request_header_mode: "SEND",
      request_body_mode: "FULL_DUPLEX_STREAMED",
      response_body_mode: "FULL_DUPLEX_STREAMED",
    });
    const clusters = Object.fromEntries(envoy.static_resources.clusters.map((c: Doc) => [c.name, c]));
    expect(clusters.original_destination.type).toBe("ORIGINAL_DST");
    expect(clusters.original_destination.original_dst_lb_config).toEqual({
      use_http_header: true,
      http_header_name: "x-gateway-destination-endpoint",
    });
    const picker = clusters[extProc.grpc_service.envoy_grpc.cluster_name];
    const options =
      picker.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    expect(options.explicit_http_config.http2_protocol_options).toBeDefined();
    expect(picker.health_checks[0].grpc_health_check.service_name).toBe(
      "envoy.service.ext_proc.v3.ExternalProcessor",
    );
  });

  it("has a Dockerfile that starts serve with the mounted config", () => {
    const dockerfile = read(join(deploy, "Dockerfile"));
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "runtimes\/node\/bin.js"\]/);
    expect(dockerfile).toMatch(/EXPOSE 9002 9003 9090/);
  });
});
