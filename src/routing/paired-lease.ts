/**
 * One lease for a disaggregated request: the decode endpoint's lease (the one front ends move on
 * failover) carrying the prefill endpoint's along, so both are given back when the request ends
 * and no front end has to know about the prefill half.
 */
import type { Lease } from "../state/in-flight.js";

/** `decode` with `prefill` released alongside it (also after a move); undefined decode = prefill alone is kept. */
export function pairLeases(decode: Lease | undefined, prefill: Lease | undefined): Lease | undefined {
  if (prefill === undefined) return decode;
  if (decode === undefined) return prefill;
  return paired(decode, prefill);
}

function paired(decode: Lease, prefill: Lease): Lease {
  return {
    pool: decode.pool,
    address: decode.address,
    tokens: decode.tokens,
    release() {
      decode.release();
      prefill.release();
    },
    moveTo(address) {
      const moved = decode.moveTo(address);
      if (moved === undefined) {
        prefill.release();
        return undefined;
      }
      return moved === decode ? this : paired(moved, prefill);
    },
  };
}
