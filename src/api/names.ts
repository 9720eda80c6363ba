/** Kubernetes names and object metadata, as the upstream CRDs validate them. */
import { z } from "zod";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The namespace given to resources that set none. */
export const DEFAULT_NAMESPACE = "default";

/** A DNS-1123 subdomain: lowercase alphanumerics, '-' and '.', starting and ending alphanumeric, 1..253 chars. */
export const dnsSubdomainSchema = z.string().min(1).max(253).regex(DNS1123_SUBDOMAIN, {
  error:
    "must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending alphanumeric)",
});

/** A DNS-1123 label (namespaces): like a subdomain without dots, 1..63 chars. */
export const dnsLabelSchema = z.string().min(1).max(63).regex(DNS1123_LABEL, {
  error: "must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending alphanumeric)",
});

/**
 * `metadata` of a Kubernetes resource: `name` required, `namespace` optional (default "default"). Other
 * metadata (labels, annotations, uid...) is accepted and ignored so `kubectl get -o yaml` output loads.
 */
export const metadataSchema = z.looseObject({
  name: dnsSubdomainSchema,
  namespace: dnsLabelSchema.default(DEFAULT_NAMESPACE),
});

/** `metadata` where the name is optional (config kinds that are not Kubernetes objects upstream). */
export function optionalNameMetadataSchema(defaultName: string) {
  return z
    .looseObject({
      name: dnsSubdomainSchema.default(defaultName),
      namespace: dnsLabelSchema.default(DEFAULT_NAMESPACE),
    })
    .prefault({});
}

/**
 * `spec.poolRef` of objectives, models and rewrites: a same-namespace reference to an InferencePool.
 * `group` defaults upstream to "inference.networking.k8s.io" and is not checked; `kind`, when set, must be
 * "InferencePool".
 */
export const poolRefSchema = z.strictObject({
  group: z.string().optional(),
  kind: z.literal("InferencePool").optional(),
  name: dnsSubdomainSchema,
});

/** Label map (selector): string keys and string values (quote numbers in YAML: `version: "1"`). */
export const labelMapSchema = z
  .record(z.string().min(1).max(317), z.string().max(63))
  .refine((labels) => Object.keys(labels).length > 0, { error: "must name at least one label" });
