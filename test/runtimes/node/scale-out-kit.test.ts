/**
 * The scale-out kit (runtimes/node/deploy/scale-out): the replicas' peer wiring matches the k8s kit,
 * the `serve` arguments parse, and the HPA / KEDA ScaledObject are well-formed and scale on metrics the
 * router exports (the flow-control ones under upstream's names).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseFlags } from "../../../runtimes/node/flags.js";
import { serveFlags } from "../../../runtimes/node/serve-flags.js";
import { createManualClock } from "../../../src/core/clock.js";
import { watchModelAggregates } from "../../../src/metrics/model-metrics.js";
import { RouterMetrics } from "../../../src/metrics/router-metrics.js";
import { PoolStore } from "../../../src/state/pool-store.js";

const deploy = fileURLToPath(new URL("../../../runtimes/node/deploy/", import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: walking parsed YAML
type Doc = Record<string, any>;
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(deploy, file), "utf8")).map((d) => d.toJS() as Doc);

/** Names upstream's KEDA guides scale on (UPSTREAM.md Q2.4); the flow-control work exports them. */
const FLOW_CONTROL = ["llm_d_epp_flow_control_queue_size", "llm_d_epp_flow_control_pool_saturation"];

/** Every metric family the router exports, from a real exposition with one pool and one endpoint. */
function exportedNames(): Set<string> {
  const metrics = new RouterMetrics();
  const store = new PoolStore({ clock: createManualClock(0) });
  store.configurePools([{ name: "p", targetPorts: [8000] }]);
  metrics.watchPools(store);
  watchModelAggregates(metrics.registry, store);
  const names = new Set<string>();
  for (const line of metrics.expose().split("\n")) {
    const m = /^# TYPE (\S+)/.exec(line);
    if (m) names.add(m[1]!);
  }
  return names;
}

const metricNames = (text: string) => text.match(/llm_d_epp_[a-z_]+/g) ?? [];

const hpaSchema = z.object({
  apiVersion: z.literal("autoscaling/v2"),
  kind: z.literal("HorizontalPodAutoscaler"),
  metadata: z.object({ name: z.string().min(1) }),
  spec: z.object({
    scaleTargetRef: z.object({ apiVersion: z.string(), kind: z.string(), name: z.string().min(1) }),
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1),
    metrics: z
      .array(
        z.object({
          type: z.literal("External"),
          external: z.object({
            metric: z.object({
              name: z.string(),
              selector: z.object({ matchLabels: z.record(z.string(), z.string()) }),
            }),
            target: z.object({ type: z.enum(["Value", "AverageValue"]), value: z.string().optional() }),
          }),
        }),
      )
      .min(1),
  }),
});

const scaledObjectSchema = z.object({
  apiVersion: z.literal("keda.sh/v1alpha1"),
  kind: z.literal("ScaledObject"),
  spec: z.object({
    scaleTargetRef: z.object({ name: z.string().min(1) }),
    minReplicaCount: z.number().int().min(0),
    maxReplicaCount: z.number().int().min(1),
    triggers: z
      .array(
        z.object({
          type: z.literal("prometheus"),
          metadata: z.object({
            serverAddress: z.url(),
            query: z.string().min(1),
            threshold: z.string().regex(/^\d+(\.\d+)?$/),
          }),
        }),
      )
      .min(1),
  }),
});

describe("the scale-out deploy kit", () => {
  const known = exportedNames();
  const scalable = (name: string) => known.has(name) || FLOW_CONTROL.includes(name);

  it("lists every picker replica in a headless Service on the API port, selecting the picker's pods", () => {
    const [svc] = docs("scale-out/peers-service.yaml");
    const [deployment] = docs("k8s/picker.yaml");
    expect(svc!.spec.clusterIP).toBe("None");
    expect(svc!.spec.publishNotReadyAddresses).toBe(true);
    expect(svc!.spec.selector).toEqual(deployment!.spec.template.metadata.labels);
    const api = deployment!.spec.template.spec.containers[0].ports.find((p: Doc) => p.name === "api");
    expect(svc!.spec.ports[0].targetPort).toBe(api.containerPort);
  });

  it("runs several replicas with serve arguments that parse, peers found through that Service", () => {
    const [patch] = docs("scale-out/picker-replicas.yaml");
    const [svc] = docs("scale-out/peers-service.yaml");
    expect(patch!.spec.replicas).toBeGreaterThan(1);
    const args: string[] = patch!.spec.template.spec.containers[0].args;
    expect(args[0]).toBe("serve");
    const flags = parseFlags(serveFlags, args.slice(1), {}).values;
    expect(flags.peers).toBe(`http://${svc!.metadata.name}:${svc!.spec.ports[0].port}`);
    const kustomization = parseYaml(
      readFileSync(join(deploy, "scale-out/kustomization.yaml"), "utf8"),
    ) as Doc;
    expect(kustomization.resources).toEqual(["../k8s", "peers-service.yaml"]);
  });

  it("has an HPA scaling the model servers on metrics the router exports", () => {
    const [hpa] = docs("scale-out/hpa.yaml");
    const parsed = hpaSchema.parse(hpa);
    for (const m of parsed.spec.metrics)
      expect(scalable(m.external.metric.name), m.external.metric.name).toBe(true);
    const [adapter] = docs("scale-out/prometheus-adapter-rules.yaml");
    const rules = parseYaml(adapter!.data["external-rules.yaml"]) as { seriesQuery: string }[];
    for (const m of parsed.spec.metrics)
      expect(rules.some((r) => r.seriesQuery.startsWith(m.external.metric.name))).toBe(true);
    for (const name of metricNames(adapter!.data["external-rules.yaml"]))
      expect(scalable(name), name).toBe(true);
  });

  it("has a KEDA ScaledObject on upstream's flow-control names and the per-model queue", () => {
    const [so] = docs("scale-out/keda-scaledobject.yaml");
    const parsed = scaledObjectSchema.parse(so);
    const names = parsed.spec.triggers.flatMap((t) => metricNames(t.metadata.query));
    expect(names).toEqual(expect.arrayContaining([...FLOW_CONTROL, "llm_d_epp_model_average_queue_size"]));
    for (const name of names) expect(scalable(name), name).toBe(true);
  });
});
