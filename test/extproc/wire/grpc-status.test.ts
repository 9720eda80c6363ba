import { describe, expect, it } from "vitest";
import {
  EXTPROC_PATH,
  encodeGrpcMessage,
  GrpcStatus,
  refuseCall,
} from "../../../src/extproc/wire/grpc-status.js";

const call = { ":method": "POST", ":path": EXTPROC_PATH, "content-type": "application/grpc" };

describe("refuseCall", () => {
  it("accepts a gRPC POST of ExternalProcessor/Process, with or without a content subtype", () => {
    for (const contentType of [
      "application/grpc",
      "application/grpc+proto",
      "application/grpc;charset=utf-8",
    ])
      expect(refuseCall({ ...call, "content-type": contentType })).toBeUndefined();
  });

  it("answers another path with UNIMPLEMENTED, naming the path asked for and the one served", () => {
    expect(refuseCall({ ...call, ":path": "/grpc.health.v1.Health/Check" })).toEqual({
      httpStatus: 200,
      grpcStatus: GrpcStatus.UNIMPLEMENTED,
      message: `unknown method /grpc.health.v1.Health/Check: this server serves only ${EXTPROC_PATH}`,
    });
  });

  it("answers a content-type other than application/grpc with HTTP 415, naming it", () => {
    for (const contentType of [undefined, "application/json", "application/grpc-web"]) {
      const r = refuseCall({ ...call, "content-type": contentType });
      expect(r?.httpStatus).toBe(415);
      expect(r?.message).toBe(`content-type ${JSON.stringify(contentType ?? "")} is not application/grpc`);
    }
  });

  it("answers a method other than POST with HTTP 405", () => {
    expect(refuseCall({ ...call, ":method": "GET" })).toMatchObject({
      httpStatus: 405,
      message: "method GET is not POST",
    });
  });
});

describe("encodeGrpcMessage", () => {
  it("keeps printable ASCII and percent-encodes '%', controls and UTF-8 bytes", () => {
    expect(encodeGrpcMessage("message of 5 bytes is larger than 4")).toBe(
      "message of 5 bytes is larger than 4",
    );
    expect(encodeGrpcMessage("100% é\n")).toBe("100%25 %C3%A9%0A");
    expect(decodeURIComponent(encodeGrpcMessage("a😀b %"))).toBe("a😀b %");
  });
});
