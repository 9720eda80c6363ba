/**
 * Model-server replicas joining and leaving under load (sim --replica-schedule): the router sends
 * nothing to a replica after its removal push, loses no request, picks up the joiner, and holds no
 * lease at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";
import { chatBody, getPool, inFlight, startSim, until } from "./http-router-helpers.js";

let router: CliProcess;
let sim: CliProcess;

describe("replicas joining and leaving on a schedule", () => {
  beforeAll(async () => {
    router = await startCli(["serve", "--config", "runtimes/node/examples/demo", ...loopbackPorts], {
      waitFor: ["api", "http"],
    });
    sim = await startSim(router.port("api"), 3, [
      // "=": a value starting with "-" would read as a flag.
      "--replica-schedule=-1@1500ms,+1@3s",
      "--removal-drain",
      "1500ms",
    ]);
  }, 30_000);

  afterAll(async () => {
    await sim?.stop();
    await router?.stop();
  });

  it("routes around a removed replica from its removal push on, with no error, and uses the joiner", async () => {
    await until(async () => (await getPool(router.port("api"))).length === 3, 10_000, "3 endpoints");
    const first = new Set((await getPool(router.port("api"))).map((e) => e.address));
    const statuses: number[] = [];
    const servedBy = new Set<string>();
    const url = `http://127.0.0.1:${router.port("http")}/v1/chat/completions`;
    const deadline = Date.now() + 15_000;
    // Four clients in a loop (bounded in count and time) until the joiner has served a request.
    const joinerServed = () => [...servedBy].some((a) => !first.has(a));
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        for (let i = 0; i < 400 && Date.now() < deadline; i++) {
          if (sim.logs.some((l) => l.msg === "replica removed") && joinerServed()) return;
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: chatBody({ max_tokens: 4 }),
          });
          await res.arrayBuffer();
          statuses.push(res.status);
          const address = res.headers.get("x-sim-address");
          if (address) servedBy.add(address);
        }
      }),
    );
    const removed = sim.logs.find((l) => l.msg === "replica removed");
    expect(removed, "the removal happened during the load").toBeDefined();
    expect(removed!.requestsAfterRemoval).toBe(0);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(joinerServed()).toBe(true);
    const now = new Set((await getPool(router.port("api"))).map((e) => e.address));
    expect(now.has(String(removed!.address))).toBe(false);
    expect(now.size).toBe(3);
    await until(async () => (await inFlight(router.port("api"))) === 0, 5000, "every lease released");
  }, 30_000);
});
