/**
 * The table of resource kinds: for each kind, its accepted apiVersions and how a document of that version
 * is decoded. Adding a kind or a version is one entry here.
 */
import { modelFromDoc, modelSchema } from "./model.js";
import { objectiveFromDoc, objectiveSchema, X_V1ALPHA2 } from "./objective.js";
import {
  POOL_V1,
  POOL_V1ALPHA2,
  poolFromV1,
  poolFromV1alpha2,
  poolV1alpha2Schema,
  poolV1Schema,
} from "./pool.js";
import type { RouterResources } from "./resources.js";
import { rewriteFromDoc, rewriteSchema } from "./rewrite.js";
import { ROUTER_CONFIG_V1ALPHA1, routerConfigFromDoc, routerConfigSchema } from "./router-config.js";
import {
  SCHEDULER_CONFIG_V1ALPHA1,
  schedulerConfigFromDoc,
  schedulerConfigSchema,
} from "./scheduler-config.js";
import { type Decoded, type DocumentSource, decode } from "./zod-issues.js";

/** A decoded document, tagged with the list of {@link RouterResources} it belongs in. */
export type AnyResource =
  | { kind: "InferencePool"; value: RouterResources["pools"][number] }
  | { kind: "InferenceObjective"; value: RouterResources["objectives"][number] }
  | { kind: "InferenceModel"; value: RouterResources["models"][number] }
  | { kind: "InferenceModelRewrite"; value: RouterResources["rewrites"][number] }
  | { kind: "EndpointPickerConfig"; value: RouterResources["schedulerConfigs"][number] }
  | { kind: "RouterConfig"; value: RouterResources["router"]; source: DocumentSource };

type Decoder = (doc: unknown, source: DocumentSource) => Decoded<AnyResource>;

function tag<T, K extends AnyResource["kind"]>(kind: K, decoded: Decoded<T>): Decoded<AnyResource> {
  if (!decoded.ok) return decoded;
  return { ok: true, value: { kind, value: decoded.value } as AnyResource };
}

/** kind → apiVersion → decoder. */
export const KINDS: Readonly<Record<string, Readonly<Record<string, Decoder>>>> = {
  InferencePool: {
    [POOL_V1]: (doc, src) => tag("InferencePool", decode(poolV1Schema, doc, src, poolFromV1)),
    [POOL_V1ALPHA2]: (doc, src) =>
      tag("InferencePool", decode(poolV1alpha2Schema, doc, src, poolFromV1alpha2)),
  },
  InferenceObjective: {
    [X_V1ALPHA2]: (doc, src) =>
      tag("InferenceObjective", decode(objectiveSchema, doc, src, objectiveFromDoc)),
  },
  InferenceModel: {
    [X_V1ALPHA2]: (doc, src) => tag("InferenceModel", decode(modelSchema, doc, src, modelFromDoc)),
  },
  InferenceModelRewrite: {
    [X_V1ALPHA2]: (doc, src) => tag("InferenceModelRewrite", decode(rewriteSchema, doc, src, rewriteFromDoc)),
  },
  EndpointPickerConfig: {
    [SCHEDULER_CONFIG_V1ALPHA1]: (doc, src) =>
      tag("EndpointPickerConfig", decode(schedulerConfigSchema, doc, src, schedulerConfigFromDoc)),
  },
  RouterConfig: {
    [ROUTER_CONFIG_V1ALPHA1]: (doc, src) => {
      const decoded = decode(routerConfigSchema, doc, src, routerConfigFromDoc);
      if (!decoded.ok) return decoded;
      return { ok: true, value: { kind: "RouterConfig", value: decoded.value, source: src } };
    },
  },
};
