/**
 * InferencePool: the set of model-server endpoints a request can go to. Both the GA shape
 * (`inference.networking.k8s.io/v1`) and the older `inference.networking.x-k8s.io/v1alpha2` shape are
 * accepted and normalized to one {@link PoolResource}.
 */
import { z } from "zod";
import { dnsSubdomainSchema, labelMapSchema, metadataSchema } from "./names.js";
import type { DocumentSource } from "./zod-issues.js";

/** apiVersion of the GA InferencePool. */
export const POOL_V1 = "inference.networking.k8s.io/v1";
/** apiVersion of the older InferencePool (selector map, targetPortNumber, extensionRef). */
export const POOL_V1ALPHA2 = "inference.networking.x-k8s.io/v1alpha2";

/** What the proxy does when the endpoint picker does not answer. */
export type FailureMode = "FailOpen" | "FailClose";
/** Protocol spoken to the model servers. */
export type AppProtocol = "http" | "kubernetes.io/h2c";

/** An InferencePool, normalized from either apiVersion. */
export interface PoolResource {
  name: string;
  /** Default "default". */
  namespace: string;
  /** Endpoints whose labels include all of these belong to the pool. */
  selector: Record<string, string>;
  /** Ports served on each endpoint: 1..8 unique entries, each 1..65535. */
  targetPorts: number[];
  /** Protocol to the model servers; unset = HTTP/1.1. */
  appProtocol?: AppProtocol;
  /** The endpoint picker service (ext_proc), when one is named. */
  endpointPicker?: {
    /** API group of the referent; "" (core) by default. */
    group: string;
    /** Kind of the referent; "Service" by default. */
    kind: string;
    name: string;
    /** Port of the picker; unset means the consumer's default (upstream infers 9002 for a Service). */
    port?: number;
  };
  /** Default "FailClose". */
  failureMode: FailureMode;
  /** apiVersion the pool was written in. */
  apiVersion: typeof POOL_V1 | typeof POOL_V1ALPHA2;
  source: DocumentSource;
}

const PORT_RULE = "must be between 1 and 65535";
/** A TCP port 1..65535. */
export const portNumberSchema = z.int().min(1, { error: PORT_RULE }).max(65535, { error: PORT_RULE });
const failureModeSchema = z.enum(["FailOpen", "FailClose"]).default("FailClose");
const appProtocolSchema = z.enum(["http", "kubernetes.io/h2c"]).optional();

const envelope = { metadata: metadataSchema, status: z.unknown().optional() };

/** The v1 InferencePool document. */
export const poolV1Schema = z.strictObject({
  apiVersion: z.literal(POOL_V1),
  kind: z.literal("InferencePool"),
  ...envelope,
  spec: z.strictObject({
    selector: z.strictObject({ matchLabels: labelMapSchema }),
    targetPorts: z
      .array(z.strictObject({ number: portNumberSchema }))
      .min(1)
      .max(8)
      .superRefine((ports, ctx) => {
        const seen = new Map<number, number>();
        ports.forEach((p, i) => {
          const first = seen.get(p.number);
          if (first === undefined) seen.set(p.number, i);
          else
            ctx.addIssue({
              code: "custom",
              path: [i, "number"],
              message: `must be unique (also at targetPorts[${first}])`,
            });
        });
      }),
    appProtocol: appProtocolSchema,
    endpointPickerRef: z
      .strictObject({
        group: z.string().default(""),
        kind: z.string().min(1).default("Service"),
        name: dnsSubdomainSchema,
        port: z.strictObject({ number: portNumberSchema }).optional(),
        failureMode: failureModeSchema,
      })
      .optional(),
  }),
});

/** The v1alpha2 InferencePool document. */
export const poolV1alpha2Schema = z.strictObject({
  apiVersion: z.literal(POOL_V1ALPHA2),
  kind: z.literal("InferencePool"),
  ...envelope,
  spec: z.strictObject({
    selector: labelMapSchema,
    targetPortNumber: portNumberSchema,
    extensionRef: z
      .strictObject({
        group: z.string().default(""),
        kind: z.string().min(1).default("Service"),
        name: dnsSubdomainSchema,
        portNumber: portNumberSchema.optional(),
        failureMode: failureModeSchema,
      })
      .optional(),
  }),
});

/** Normalizes a parsed v1 pool. */
export function poolFromV1(doc: z.output<typeof poolV1Schema>, source: DocumentSource): PoolResource {
  const { spec } = doc;
  const ref = spec.endpointPickerRef;
  const pool: PoolResource = {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    selector: { ...spec.selector.matchLabels },
    targetPorts: spec.targetPorts.map((p) => p.number),
    failureMode: ref?.failureMode ?? "FailClose",
    apiVersion: POOL_V1,
    source,
  };
  if (spec.appProtocol !== undefined) pool.appProtocol = spec.appProtocol;
  if (ref !== undefined) {
    pool.endpointPicker = { group: ref.group, kind: ref.kind, name: ref.name };
    if (ref.port !== undefined) pool.endpointPicker.port = ref.port.number;
  }
  return pool;
}

/** Normalizes a parsed v1alpha2 pool: `targetPortNumber` becomes a one-entry `targetPorts`. */
export function poolFromV1alpha2(
  doc: z.output<typeof poolV1alpha2Schema>,
  source: DocumentSource,
): PoolResource {
  const { spec } = doc;
  const ref = spec.extensionRef;
  const pool: PoolResource = {
    name: doc.metadata.name,
    namespace: doc.metadata.namespace,
    selector: { ...spec.selector },
    targetPorts: [spec.targetPortNumber],
    failureMode: ref?.failureMode ?? "FailClose",
    apiVersion: POOL_V1ALPHA2,
    source,
  };
  if (ref !== undefined) {
    pool.endpointPicker = { group: ref.group, kind: ref.kind, name: ref.name };
    if (ref.portNumber !== undefined) pool.endpointPicker.port = ref.portNumber;
  }
  return pool;
}
