/** The ext_proc endpoint picker, transport-agnostic: see processor.ts and session.ts. */
export type { ExtProcMetrics, LeaseSource } from "./context.js";
export {
  createExtProcProcessor,
  type EndpointSource,
  type ExtProcOptions,
  type ExtProcProcessor,
} from "./processor.js";
export type { BodyMode } from "./response-tap.js";
export { type CloseReason, ExtProcSession } from "./session.js";
export * from "./system-headers.js";
export { encodeGrpcFrames, encodeProcessingResponse } from "./wire/grpc-frames.js";
