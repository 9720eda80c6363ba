/**
 * Several `serve` replicas route as one: one simulator pushes to both through an address list, and
 * (with --peers) each replica counts what the other dispatched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";
import { getPool, startSim, until } from "./http-router-helpers.js";

let a: CliProcess;
let b: CliProcess;
let sim: CliProcess;

describe("two serve replicas fed by one simulator through an address list", () => {
  beforeAll(async () => {
    [a, b] = await Promise.all(
      [0, 1].map(() =>
        startCli(["serve", "--config", "runtimes/node/examples/demo", ...loopbackPorts], {
          waitFor: ["api", "http"],
        }),
      ),
    );
    const list = `http://127.0.0.1:${a!.port("api")},http://127.0.0.1:${b!.port("api")}`;
    sim = await startSim(0, 3, ["--push", list]);
  }, 30_000);

  afterAll(async () => {
    await sim?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it("gives both replicas the whole pool", async () => {
    await until(
      async () => (await getPool(a.port("api"))).length === 3 && (await getPool(b.port("api"))).length === 3,
      10_000,
      "3 endpoints at both replicas",
    );
    const [pa, pb] = await Promise.all([getPool(a.port("api")), getPool(b.port("api"))]);
    expect(pa.map((e) => e.address).sort()).toEqual(pb.map((e) => e.address).sort());
    expect(new Set(pa.map((e) => e.source)).size).toBe(3);
  });
});
