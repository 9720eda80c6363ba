/**
 * A FrameAllocator that carves reply bytes out of slabs, never reused (a slab is freed once every
 * reply in it is gone): one ArrayBuffer per ~14 picks instead of one per pick, each of which V8 would
 * otherwise free on its own in a young-generation GC. Larger replies get their own buffer. As with
 * Node's Buffer pool, a reply that HTTP/2 flow control holds back keeps its whole slab alive until it
 * is sent (Envoy's 256 MiB default windows make that rare).
 */
import type { FrameAllocator } from "./grpc-frames.js";

/**
 * An allocator over slabs of `slabBytes` (default 64 KiB); a request above a quarter slab gets its
 * own buffer. Each slice starts on an 8-byte boundary.
 */
export function createSlabAllocator(slabBytes = 64 * 1024): FrameAllocator {
  let slab = new Uint8Array(slabBytes);
  let used = 0;
  return (size) => {
    if (size > slabBytes / 4) return new Uint8Array(size);
    if (used + size > slabBytes) {
      slab = new Uint8Array(slabBytes);
      used = 0;
    }
    const out = slab.subarray(used, used + size);
    used += (size + 7) & ~7;
    return out;
  };
}
