/** An exception carrying every manifest issue, for callers that prefer throwing to a result object. */
import { formatIssue, type ManifestIssue } from "./manifest-issue.js";
import type { ParseManifestsResult, RouterResources } from "./resources.js";

/**
 * Thrown by {@link resourcesOrThrow}. `message` is every issue, one per line; `issues` holds them as records.
 *
 * @example
 * try { resourcesOrThrow(parseManifests(files)); } catch (e) { if (e instanceof ManifestError) log(e.issues); }
 */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  readonly issues: readonly ManifestIssue[];

  constructor(issues: readonly ManifestIssue[]) {
    const lines = issues.map(formatIssue);
    super(lines.length === 1 ? lines[0] : `${lines.length} problems in the config:\n${lines.join("\n")}`);
    this.issues = issues;
  }
}

/** Returns the resources of a successful parse, or throws a {@link ManifestError} with all its issues. */
export function resourcesOrThrow(result: ParseManifestsResult): RouterResources {
  if (!result.ok) throw new ManifestError(result.issues);
  return result.resources;
}
