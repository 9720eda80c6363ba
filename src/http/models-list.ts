/** `/v1/models` in OpenAI's shape, from the model names the router serves. */

/** One entry of the list. */
export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

/** `{"object":"list","data":[...]}` for the given names (`created` in Unix seconds). */
export function modelsList(names: readonly string[], nowMs: number): { object: "list"; data: ModelEntry[] } {
  const created = Math.floor(nowMs / 1000);
  return {
    object: "list",
    data: names.map((id) => ({ id, object: "model", created, owned_by: "inference-router" })),
  };
}
