import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { type ExcludedEndpoint, selectCandidates } from "../../src/scheduling/candidates.js";
import { OutlierEjection } from "../../src/state/outlier-ejection.js";
import type { Endpoint } from "../../src/state/types.js";

const subject = (address: string, observedAt = 0, ready = true) => ({
  pool: "p",
  address,
  ready,
  observedAt,
});

function setup() {
  const clock = createManualClock(10_000);
  const ejections: number[] = [];
  const o = new OutlierEjection(clock, { baseEjectionMs: 100, maxEjectionMs: 350 }, (_p, _a, ms) =>
    ejections.push(ms),
  );
  return { clock, o, ejections };
}

describe("OutlierEjection", () => {
  it("ejects at once and doubles the time on each further ejection, up to the cap", () => {
    const { clock, o, ejections } = setup();
    for (let i = 0; i < 4; i++) {
      o.failed("p", "a:1");
      expect(o.isEjected(subject("a:1"))).toBe(true);
      clock.advance(ejections.at(-1)!);
      expect(o.isEjected(subject("a:1"))).toBe(false);
    }
    expect(ejections).toEqual([100, 200, 350, 350]);
  });

  it("does not lengthen an ejection for failures of requests already in flight", () => {
    const { o, ejections } = setup();
    o.failed("p", "a:1");
    o.failed("p", "a:1");
    expect(ejections).toEqual([100]);
  });

  it("is cleared by a push observed after the failure that reports the endpoint ready, not by an older one", () => {
    const { clock, o } = setup();
    o.failed("p", "a:1");
    expect(o.isEjected(subject("a:1", clock.now() - 1))).toBe(true);
    expect(o.isEjected(subject("a:1", clock.now() + 1, false))).toBe(true);
    expect(o.isEjected(subject("a:1", clock.now() + 1))).toBe(false);
    // Cleared for good: the doubling starts again from the base time.
    expect(o.isEjected(subject("a:1", 0))).toBe(false);
  });

  it("starts again from the base time after an answer", () => {
    const { clock, o, ejections } = setup();
    o.failed("p", "a:1");
    clock.advance(100);
    o.succeeded("p", "a:1");
    o.failed("p", "a:1");
    expect(ejections).toEqual([100, 100]);
  });

  it("counts ejected endpoints per pool", () => {
    const { clock, o } = setup();
    o.failed("p", "a:1");
    o.failed("p", "b:1");
    o.failed("q", "a:1");
    expect(Object.fromEntries(o.ejectedCounts())).toEqual({ p: 2, q: 1 });
    clock.advance(100);
    expect(Object.fromEntries(o.ejectedCounts())).toEqual({ p: 0, q: 0 });
  });
});

describe("selectCandidates with ejected endpoints", () => {
  const ep = (address: string) =>
    ({
      address,
      ip: address.split(":")[0],
      pool: "p",
      ready: true,
      models: [],
      observedAt: 0,
    }) as unknown as Endpoint;
  const request = { targetModel: "m" } as Parameters<typeof selectCandidates>[2];
  const fresh = () => false;

  it("drops ejected endpoints and reports them as excluded with reason ejected", () => {
    const out: Endpoint[] = [];
    const excluded: ExcludedEndpoint[] = [];
    const isEjected = (e: Endpoint) => e.address === "10.0.0.1:80";
    selectCandidates(
      "p",
      [ep("10.0.0.1:80"), ep("10.0.0.2:80")],
      request,
      fresh,
      "exclude",
      out,
      [],
      excluded,
      isEjected,
    );
    expect(out.map((e) => e.address)).toEqual(["10.0.0.2:80"]);
    expect(excluded).toEqual([{ address: "10.0.0.1:80", reason: "ejected" }]);
  });

  it("uses the ejected endpoints when every one that could serve is ejected (panic mode), rather than refuse", () => {
    const out: Endpoint[] = [];
    selectCandidates(
      "p",
      [ep("10.0.0.1:80"), ep("10.0.0.2:80")],
      request,
      fresh,
      "exclude",
      out,
      [],
      undefined,
      () => true,
    );
    expect(out.map((e) => e.address)).toEqual(["10.0.0.1:80", "10.0.0.2:80"]);
  });
});
