import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import {
  bodyTooLarge,
  openAiError,
  openAiErrorObject,
  openAiErrorResponse,
  pathNotFound,
} from "../../src/openai/error-body.js";
import { modelNotFound } from "../../src/openai/models-list.js";

describe("the OpenAI error body", () => {
  it("has exactly message, type, param and code, param null when no field is named", () => {
    const body = JSON.parse(
      openAiError(new RouterError("BadRequest", "request body is not valid JSON")).body,
    );
    expect(body).toEqual({
      error: {
        message: "request body is not valid JSON",
        type: "invalid_request_error",
        param: null,
        code: "BadRequest",
      },
    });
  });

  it("names the offending field in param", () => {
    const e = openAiErrorObject(new RouterError("BadRequest", "messages: required", "messages"));
    expect(e.param).toBe("messages");
  });

  it("answers an unknown model with 404 invalid_request_error model_not_found", () => {
    const a = openAiError(new RouterError("NotFound", 'model "x" is not served by this router', "model"));
    expect(a.status).toBe(404);
    expect(JSON.parse(a.body).error).toEqual({
      message: 'model "x" is not served by this router',
      type: "invalid_request_error",
      param: "model",
      code: "model_not_found",
    });
    expect(openAiErrorObject(modelNotFound("x")).code).toBe("model_not_found");
  });

  it("keeps a NotFound that is not about the model (a path) as not_found_error", () => {
    const a = openAiError(pathNotFound("/v2/nothing"));
    expect(a.status).toBe(404);
    expect(JSON.parse(a.body).error).toMatchObject({
      type: "not_found_error",
      code: "NotFound",
      message: "no route for /v2/nothing",
    });
  });

  it("answers a body above the limit with 413 request_too_large naming the size, limit and setting", () => {
    const a = openAiError(bodyTooLarge(2048, 1000, "MAX_BODY_BYTES"));
    expect(a.status).toBe(413);
    expect(JSON.parse(a.body).error).toEqual({
      message: "request body: 2048 bytes is larger than the limit of 1000 bytes (MAX_BODY_BYTES)",
      type: "invalid_request_error",
      param: null,
      code: "request_too_large",
    });
  });

  it("takes the status from the one code table", () => {
    expect(openAiError(new RouterError("ResourceExhausted", "shed")).status).toBe(429);
    expect(openAiError(new RouterError("ServiceUnavailable", "none")).status).toBe(503);
    expect(openAiError(new RouterError("BadGateway", "down")).status).toBe(502);
  });

  it("answers anything else thrown as a 500 internal_error", () => {
    const a = openAiError(new TypeError("boom"));
    expect(a.status).toBe(500);
    expect(JSON.parse(a.body).error).toMatchObject({
      type: "internal_error",
      code: "Internal",
      message: "boom",
    });
  });

  it("echoes the request id in a header when given, and only then", async () => {
    expect(openAiError(new Error("x"), "id-1").headers).toEqual({
      "content-type": "application/json",
      "x-request-id": "id-1",
    });
    expect(openAiError(new Error("x")).headers["x-request-id"]).toBeUndefined();
    const res = openAiErrorResponse(modelNotFound("m"), "id-2");
    expect(res.status).toBe(404);
    expect(res.headers.get("x-request-id")).toBe("id-2");
    expect((await res.json()).error.code).toBe("model_not_found");
  });
});
