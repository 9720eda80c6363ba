/**
 * The Helm chart (runtimes/node/deploy/helm/inference-router) rendered without helm (helm-template.ts)
 * and every rendered resource validated: ours with our own schemas, the picker's ConfigMap as the
 * config set `serve` loads, the Kubernetes ones for the wiring the kustomize kit has.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseManifests } from "../../../src/api/parse-manifests.js";
import { createSeededRandom } from "../../../src/core/random.js";
import { createRouterCore } from "../../../src/routing/router-core.js";
import { renderTemplate } from "./helm-template.js";

const deploy = fileURLToPath(new URL("../../../runtimes/node/deploy/", import.meta.url));
const chart = join(deploy, "helm/inference-router");
// biome-ignore lint/suspicious/noExplicitAny: walking parsed YAML
type Doc = Record<string, any>;
const defaults = parse(readFileSync(join(chart, "values.yaml"), "utf8")) as Doc;

/** Deep merge of values over the chart's defaults, as `helm --set`/`-f` does (lists replaced). */
function merge(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = v && typeof v === "object" && !Array.isArray(v) && base[k] ? merge(base[k], v) : v;
  return out;
}

/** Every resource the chart renders (helm template), NOTES.txt left out as helm does. */
function render(values: Doc, release = { Name: "vllm-llama3-8b-instruct", Namespace: "llm" }): Doc[] {
  const Values = merge(defaults, values);
  return readdirSync(join(chart, "templates"))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((file) => {
      const text = renderTemplate(readFileSync(join(chart, "templates", file), "utf8"), {
        Values,
        Release: release,
      });
      const docs = parseAllDocuments(text);
      for (const d of docs) expect(d.errors.map(String), `${file}:\n${text}`).toEqual([]);
      return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
    });
}

const REQUIRED = { inferencePool: { modelServers: { matchLabels: { app: "vllm-llama3-8b-instruct" } } } };
const EVERYTHING = merge(REQUIRED, {
  inferenceObjectives: [
    { name: "interactive", priority: 10 },
    { name: "batch", priority: -1 },
  ],
  inferenceExtension: {
    flags: [{ name: "extproc-transport", value: "h2" }],
    env: [{ name: "INFERENCE_ROUTER_HEAP_GROWING_PERCENT", value: "100" }],
    extraServicePorts: [{ name: "debug", port: 9999 }],
    tolerations: [{ key: "gpu", operator: "Exists" }],
    pluginsCustomConfig: {
      "scheduler.yaml": readFileSync(join(deploy, "k8s/scheduler.yaml"), "utf8"),
    },
  },
});

const OUR_KINDS = new Set(["InferencePool", "InferenceObjective"]);
const KUBERNETES_KINDS = new Set(["Deployment", "Service", "ConfigMap"]);
const byKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);

/** The config set the picker reads from its ConfigMap, parsed as `serve` parses it. */
function pickerConfig(docs: Doc[]) {
  const [configMap] = byKind(docs, "ConfigMap");
  const files = Object.entries(configMap!.data as Record<string, string>).map(([path, text]) => ({
    path,
    text,
  }));
  return { files, parsed: parseManifests(files) };
}

describe("helm chart inference-router", () => {
  for (const [name, values] of [
    ["with the required values only", REQUIRED],
    ["with objectives, flags, env, extra ports and a scheduler config", EVERYTHING],
  ] as const)
    describe(name, () => {
      const docs = render(values);

      it("renders only our kinds and plain Kubernetes kinds, and ours parse with our schemas", () => {
        for (const d of docs)
          expect(OUR_KINDS.has(d.kind) || KUBERNETES_KINDS.has(d.kind), d.kind).toBe(true);
        const ours = docs.filter((d) => OUR_KINDS.has(d.kind));
        const parsed = parseManifests([
          { path: "rendered.yaml", text: ours.map((d) => JSON.stringify(d)).join("\n---\n") },
        ]);
        expect(parsed.ok ? [] : parsed.errors).toEqual([]);
        if (parsed.ok) {
          expect(parsed.resources.pools.map((p) => p.name)).toEqual(["vllm-llama3-8b-instruct"]);
          expect(parsed.resources.objectives).toHaveLength(byKind(docs, "InferenceObjective").length);
        }
      });

      it("gives the picker a ConfigMap our loader accepts, holding the same pool and objectives", () => {
        const { parsed } = pickerConfig(docs);
        expect(parsed.ok ? [] : parsed.errors).toEqual([]);
        if (!parsed.ok) return;
        expect(() =>
          createRouterCore(parsed.resources, { clock: { now: () => 0 }, random: createSeededRandom(1) }),
        ).not.toThrow();
        const { data } = byKind(docs, "ConfigMap")[0]!;
        expect(parse(data["inference-pool.yaml"])).toEqual(byKind(docs, "InferencePool")[0]);
        const objectives = byKind(docs, "InferenceObjective");
        if (objectives.length > 0)
          expect(
            parseAllDocuments(data["objectives.yaml"])
              .map((d) => d.toJS())
              .filter(Boolean),
          ).toEqual(objectives);
        else expect(data["objectives.yaml"]).toBeUndefined();
      });

      it("wires the Deployment, Service, ConfigMap, Secret and pool together as the kustomize kit does", () => {
        const [deployment] = byKind(docs, "Deployment");
        const [service] = byKind(docs, "Service");
        const [configMap] = byKind(docs, "ConfigMap");
        const [pool] = byKind(docs, "InferencePool");
        const pod = deployment!.spec.template.spec;
        const container = pod.containers[0];
        expect(deployment!.spec.strategy).toEqual({ type: "Recreate" });
        expect(pod.volumes.find((v: Doc) => v.name === "config").configMap.name).toBe(
          configMap!.metadata.name,
        );
        expect(pod.volumes.find((v: Doc) => v.name === "secrets").secret.secretName).toBe(
          defaults.router.pushTokenSecret,
        );
        expect(container.args[container.args.indexOf("--pool-name") + 1]).toBe(pool!.metadata.name);
        expect(pool!.spec.endpointPickerRef).toMatchObject({
          name: service!.metadata.name,
          port: { number: 9002 },
        });
        expect(service!.spec.selector).toEqual(deployment!.spec.selector.matchLabels);
        expect(service!.spec.ports.slice(0, 5).map((p: Doc) => p.port)).toEqual([
          9002, 9003, 9090, 9004, 8080,
        ]);
        // The same probes, security and publishNotReadyAddresses as the kit.
        const kit = parseAllDocuments(readFileSync(join(deploy, "k8s/picker.yaml"), "utf8")).map(
          (d) => d.toJS() as Doc,
        );
        const kitContainer = kit[0]!.spec.template.spec.containers[0];
        for (const key of ["livenessProbe", "readinessProbe", "securityContext"])
          expect(container[key], key).toEqual(kitContainer[key]);
        expect(pod.securityContext).toEqual(kit[0]!.spec.template.spec.securityContext);
        expect(service!.spec.publishNotReadyAddresses).toBe(kit[1]!.spec.publishNotReadyAddresses);
        const router = parse(configMap!.data["router.yaml"]);
        const secrets = container.volumeMounts.find((m: Doc) => m.name === "secrets");
        expect(router.spec.auth.pushTokenFile).toBe(`${secrets.mountPath}/push-token`);
      });
    });

  it("passes flags, env and extra ports through in upstream's value shapes", () => {
    const docs = render(EVERYTHING);
    const container = byKind(docs, "Deployment")[0]!.spec.template.spec.containers[0];
    expect(container.args.slice(-2)).toEqual(["--extproc-transport", "h2"]);
    expect(container.env).toEqual(EVERYTHING.inferenceExtension.env);
    expect(byKind(docs, "Service")[0]!.spec.ports.at(-1)).toEqual({ name: "debug", port: 9999 });
    expect(byKind(docs, "ConfigMap")[0]!.data["scheduler.yaml"]).toBe(
      EVERYTHING.inferenceExtension.pluginsCustomConfig["scheduler.yaml"],
    );
  });

  it("names everything after the release and puts it in the release's namespace", () => {
    const docs = render(REQUIRED, { Name: "pool-b", Namespace: "team-b" });
    for (const d of docs) expect(d.metadata.namespace, d.kind).toBe("team-b");
    expect(byKind(docs, "InferencePool")[0]!.metadata.name).toBe("pool-b");
    expect(byKind(docs, "Service")[0]!.metadata.name).toBe("pool-b-epp");
  });
});

describe("helm-template (the renderer the chart test uses)", () => {
  const release = { Name: "r", Namespace: "n" };
  it("trims around {{- and -}}, and indents toYaml with nindent", () => {
    expect(
      renderTemplate("a:\n  {{- toYaml .Values.x | nindent 2 }}\nb", {
        Values: { x: { k: [1] } },
        Release: release,
      }),
    ).toBe("a:\n  k:\n    - 1\nb");
  });

  it("ranges over lists with the item as dot and over maps in key order", () => {
    const t =
      "{{- range .Values.l }}[{{ .n }}]{{ end }} {{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}{{ $.Release.Name }}";
    expect(
      renderTemplate(t, { Values: { l: [{ n: 1 }, { n: 2 }], m: { b: 2, a: 1 } }, Release: release }),
    ).toBe("[1][2] a=1;b=2;r");
  });

  it("refuses what it does not implement instead of rendering it wrong", () => {
    expect(() => renderTemplate('{{ include "x" . }}', { Values: {}, Release: release })).toThrow(
      /outside the supported subset|unknown/,
    );
  });
});
