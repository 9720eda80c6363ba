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

function tagged<T>(decoded: Decoded<T>, wrap: (value: T) => AnyResource): Decoded<AnyResource> {
  return decoded.ok ? { ok: true, value: wrap(decoded.value) } : decoded;
}

/** kind → apiVersion → decoder. */
export const KINDS: Readonly<Record<string, Readonly<Record<string, Decoder>>>> = {
  InferencePool: {
    [POOL_V1]: (doc, src) =>
      tagged(decode(poolV1Schema, doc, src, poolFromV1), (value) => ({ kind: "InferencePool", value })),
    [POOL_V1ALPHA2]: (doc, src) =>
      tagged(decode(poolV1alpha2Schema, doc, src, poolFromV1alpha2), (value) => ({
        kind: "InferencePool",
        value,
      })),
  },
  InferenceObjective: {
    [X_V1ALPHA2]: (doc, src) =>
      tagged(decode(objectiveSchema, doc, src, objectiveFromDoc), (value) => ({
        kind: "InferenceObjective",
        value,
      })),
  },
  InferenceModel: {
    [X_V1ALPHA2]: (doc, src) =>
      tagged(decode(modelSchema, doc, src, modelFromDoc), (value) => ({ kind: "InferenceModel", value })),
  },
  InferenceModelRewrite: {
    [X_V1ALPHA2]: (doc, src) =>
      tagged(decode(rewriteSchema, doc, src, rewriteFromDoc), (value) => ({
        kind: "InferenceModelRewrite",
        value,
      })),
  },
  EndpointPickerConfig: {
    [SCHEDULER_CONFIG_V1ALPHA1]: (doc, src) =>
      tagged(decode(schedulerConfigSchema, doc, src, schedulerConfigFromDoc), (value) => ({
        kind: "EndpointPickerConfig",
        value,
      })),
  },
  RouterConfig: {
    [ROUTER_CONFIG_V1ALPHA1]: (doc, src) =>
      tagged(decode(routerConfigSchema, doc, src, routerConfigFromDoc), (value) => ({
        kind: "RouterConfig",
        value,
        source: src,
      })),
  },
};
