import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import { MODEL_OWNER, modelObjectFor, modelsList } from "../../src/openai/models-list.js";

const NOW = 1_700_000_123_456;

describe("the OpenAI models list", () => {
  it("lists each served model once, sorted, created at the current Unix second", () => {
    expect(modelsList(["b", "a", "b"], NOW)).toEqual({
      object: "list",
      data: [
        { id: "a", object: "model", created: 1_700_000_123, owned_by: MODEL_OWNER },
        { id: "b", object: "model", created: 1_700_000_123, owned_by: MODEL_OWNER },
      ],
    });
  });

  it("answers one model by id with the same object the list holds", () => {
    expect(modelObjectFor(["a", "org/b"], "org/b", NOW)).toEqual(modelsList(["org/b"], NOW).data[0]);
  });

  it("refuses an unknown id with NotFound on the model field", () => {
    let thrown: unknown;
    try {
      modelObjectFor(["a"], "zzz", NOW);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RouterError);
    expect(thrown).toMatchObject({ code: "NotFound", field: "model" });
    expect((thrown as Error).message).toContain("zzz");
  });
});
