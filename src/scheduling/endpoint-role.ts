/**
 * Endpoint roles for disaggregated serving (upstream llm-d's `llm-d.ai/role` pod label). An endpoint
 * without the label, or with a value this router does not know, serves both phases, so a pool that
 * never labels its pods routes as before.
 */
import type { Endpoint } from "../state/types.js";

/** The pod label upstream reads (llm-d-router `pkg/common`). */
export const ROLE_LABEL = "llm-d.ai/role";

/** What a role value lets an endpoint do. */
export interface RoleAbilities {
  prefill: boolean;
  decode: boolean;
}

const BOTH: RoleAbilities = { prefill: true, decode: true };

/**
 * Upstream's values: encode, prefill, decode, encode-prefill, encode-decode, prefill-decode,
 * encode-prefill-decode; `both` is the deprecated spelling of prefill-decode.
 */
const ROLES: Readonly<Record<string, RoleAbilities>> = {
  prefill: { prefill: true, decode: false },
  decode: { prefill: false, decode: true },
  "prefill-decode": BOTH,
  both: BOTH,
  encode: { prefill: false, decode: false },
  "encode-prefill": { prefill: true, decode: false },
  "encode-decode": { prefill: false, decode: true },
  "encode-prefill-decode": BOTH,
};

/** What the endpoint's role label allows; no label or an unknown value = both phases. */
export function roleAbilities(e: Pick<Endpoint, "labels">): RoleAbilities {
  const v = e.labels[ROLE_LABEL];
  return (v !== undefined && ROLES[v.trim().toLowerCase()]) || BOTH;
}

/** Whether the endpoint may run a request's prefill for another (decode) endpoint. */
export function servesPrefill(e: Pick<Endpoint, "labels">): boolean {
  return roleAbilities(e).prefill;
}

/** Whether the endpoint may decode (and so serve a whole request, or the decode half of one). */
export function servesDecode(e: Pick<Endpoint, "labels">): boolean {
  return roleAbilities(e).decode;
}
