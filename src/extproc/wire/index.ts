/** ext_proc on the wire: gRPC framing, the hand decoder of the per-request messages and encoder of the replies, the call rules. */
export {
  encodeGrpcFrames,
  encodeProcessingResponse,
  type FrameAllocator,
  GRPC_PREFIX_BYTES,
  GrpcFrameEncoder,
} from "./grpc-frames.js";
export { GrpcMessageReader } from "./grpc-reader.js";
export {
  type CallHeaders,
  type CallRefusal,
  EXTPROC_PATH,
  encodeGrpcMessage,
  GrpcStatus,
  GrpcStatusError,
  refuseCall,
} from "./grpc-status.js";
export { decodeProcessingRequest } from "./request-decoder.js";
export { createSlabAllocator } from "./slab-allocator.js";
