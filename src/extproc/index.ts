/** The ext_proc endpoint picker, transport-agnostic: see processor.ts and session.ts. */
export {
  createExtProcProcessor,
  type ExtProcOptions,
  type ExtProcProcessor,
  type ExtProcRouter,
} from "./processor.js";
export type { BodyMode } from "./response-tap.js";
export { type CloseReason, ExtProcSession } from "./session.js";
export * from "./system-headers.js";
export { encodeGrpcFrames, encodeProcessingResponse } from "./wire/grpc-frames.js";
