/** Weighted targets (model splits, rewrites): upstream's all-or-none weight rule and its defaults. */
import { z } from "zod";

/** Largest weight upstream accepts. */
export const MAX_WEIGHT = 1_000_000;

/** A target weight: integer 1..1,000,000. Weights are relative: 90/10 and 9/1 split alike. */
export const weightSchema = z
  .int()
  .min(1, { error: `must be between 1 and ${MAX_WEIGHT}` })
  .max(MAX_WEIGHT, { error: `must be between 1 and ${MAX_WEIGHT}` });

/**
 * Adds the cross-entry rules of a weighted list to `ctx`: weights set on all entries or on none, and the
 * `key` of each entry unique. Paths are relative to the list.
 */
export function checkWeightedList<T extends { weight?: number | undefined }>(
  list: readonly T[],
  ctx: z.RefinementCtx,
  listName: string,
  key: keyof T & string,
): void {
  const weighted = list.filter((t) => t.weight !== undefined).length;
  if (weighted !== 0 && weighted !== list.length) {
    list.forEach((t, i) => {
      if (t.weight === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [i, "weight"],
          message: `weights must be set on all ${listName} or on none`,
        });
      }
    });
  }
  const seen = new Map<unknown, number>();
  list.forEach((t, i) => {
    const first = seen.get(t[key]);
    if (first === undefined) seen.set(t[key], i);
    else
      ctx.addIssue({
        code: "custom",
        path: [i, key],
        message: `must be unique (also at ${listName}[${first}])`,
      });
  });
}

/** Fills weights: when none is set every entry gets weight 1 (an equal split). */
export function fillWeights(list: readonly { weight?: number | undefined }[]): number[] {
  return list.map((t) => t.weight ?? 1);
}
