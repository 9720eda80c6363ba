import { describe, expect, it } from "vitest";
import { pairLeases } from "../../src/routing/paired-lease.js";
import type { Lease } from "../../src/state/in-flight.js";

function fake(address: string, log: string[]): Lease {
  const lease: Lease = {
    pool: "p",
    address,
    tokens: 10,
    release: () => log.push(`release ${address}`),
    moveTo: (to) => {
      if (to === address) return lease;
      log.push(`release ${address}`);
      return fake(to, log);
    },
  };
  return lease;
}

describe("pairLeases (a disaggregated request's two leases)", () => {
  it("releases the prefill lease with the decode lease", () => {
    const log: string[] = [];
    pairLeases(fake("d", log), fake("p", log))!.release();
    expect(log).toEqual(["release d", "release p"]);
  });

  it("a failover moves only the decode half; the prefill half is still released at the end", () => {
    const log: string[] = [];
    const paired = pairLeases(fake("d", log), fake("p", log))!;
    const moved = paired.moveTo("d2")!;
    expect(moved.address).toBe("d2");
    expect(paired.moveTo("d")).toBe(paired);
    moved.release();
    expect(log).toEqual(["release d", "release d2", "release p"]);
  });

  it("is the decode lease itself when there is no prefill half", () => {
    const log: string[] = [];
    const d = fake("d", log);
    expect(pairLeases(d, undefined)).toBe(d);
    expect(pairLeases(undefined, undefined)).toBeUndefined();
  });
});
