import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type ErrorCode, errorCodes, extprocErrorBody, RouterError } from "../../src/core/errors.js";
import { connectErrorFrom } from "../../src/services/connect-error.js";

describe("the error-code table", () => {
  it("gives ext_proc upstream's statuses and names for the codes the picker answers with", () => {
    const picker: ErrorCode[] = [
      "BadRequest",
      "NotFound",
      "ResourceExhausted",
      "Internal",
      "ServiceUnavailable",
    ];
    expect(picker.map((c) => [c, errorCodes[c].http, errorCodes[c].extproc])).toEqual([
      ["BadRequest", 400, "BadRequest"],
      ["NotFound", 404, "NotFound"],
      ["ResourceExhausted", 429, "ResourceExhausted"],
      ["Internal", 500, "Internal"],
      ["ServiceUnavailable", 503, "ServiceUnavailable"],
    ]);
    expect(extprocErrorBody("ResourceExhausted", "system saturated")).toBe(
      "inference error: ResourceExhausted - system saturated",
    );
  });

  it("is what the Connect services answer with, for every code", () => {
    for (const code of Object.keys(errorCodes) as ErrorCode[]) {
      expect(connectErrorFrom(new RouterError(code, "x")).code).toBe(errorCodes[code].grpc);
    }
    expect(connectErrorFrom(new RouterError("BadRequest", "x")).code).toBe(Code.InvalidArgument);
    expect(connectErrorFrom(new RouterError("BadGateway", "x")).code).toBe(Code.Unavailable);
  });

  it("passes a ConnectError through and turns anything else into Internal", () => {
    const original = new ConnectError("denied", Code.PermissionDenied);
    expect(connectErrorFrom(original)).toBe(original);
    expect(connectErrorFrom(new Error("boom")).code).toBe(Code.Internal);
  });
});
