/** Which pool the ext_proc picker serves: upstream runs one picker per pool. */
import { RouterError } from "../core/errors.js";

/**
 * The pool named by `--pool-name` (it must be configured), else the only configured pool, else
 * undefined: the picker then chooses the pool from each request's model.
 *
 * @example
 * servedPool(["pool-a"], undefined) // "pool-a"
 * servedPool(["pool-a", "pool-b"], undefined) // undefined: by model
 */
export function servedPool(configured: readonly string[], requested: string | undefined): string | undefined {
  if (requested !== undefined) {
    if (configured.length > 0 && !configured.includes(requested)) {
      throw new RouterError(
        "BadRequest",
        `--pool-name: "${requested}" is not a configured InferencePool (configured: ${configured.join(", ")})`,
        "pool-name",
      );
    }
    return requested;
  }
  return configured.length === 1 ? configured[0] : undefined;
}
