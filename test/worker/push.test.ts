import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { resetIsolate } from "../../runtimes/worker/index.js";
import { FRANKFURT, model, mustPush, nextSequence, pushRegion, rpc } from "./helpers.js";

interface RegionJson {
  region: string;
  baseUrl: string;
  sequence: string;
  stale?: boolean;
  models: { model: string }[];
}

async function listRegions(): Promise<RegionJson[]> {
  const res = await rpc("ListRegions", {});
  expect(res.status).toBe(200);
  return ((await res.json()) as { regions?: RegionJson[] }).regions ?? [];
}

describe("region pushes", () => {
  it("land in the Durable Object's SQLite storage and survive a new isolate", async () => {
    await mustPush({
      region: "persist-eu",
      baseUrl: "https://persist.test",
      location: FRANKFURT,
      models: [model("m-persist")],
    });
    const stub = env.REGIONS.get(env.REGIONS.idFromName("directory"));
    const rows = await runInDurableObject(stub, (_instance, state) =>
      state.storage.sql
        .exec<{ region: string; record: string }>("SELECT region, record FROM regions")
        .toArray(),
    );
    const row = rows.find((r) => r.region === "persist-eu");
    expect(row).toBeDefined();
    expect(JSON.parse(row!.record).baseUrl).toBe("https://persist.test");

    // A fresh isolate has no cache and a fresh object instance reads its storage back.
    resetIsolate();
    const fresh = env.REGIONS.get(env.REGIONS.idFromName("directory"));
    const reloaded = await runInDurableObject(fresh, (instance) => instance.list());
    expect(reloaded.map((r) => r.region)).toContain("persist-eu");
    const listed = await listRegions();
    const region = listed.find((r) => r.region === "persist-eu");
    expect(region?.models.map((m) => m.model)).toEqual(["m-persist"]);
    expect(region?.stale ?? false).toBe(false);
  });

  it("refuses a replayed or older sequence with failed_precondition", async () => {
    const sequence = nextSequence();
    const push = {
      region: "replay-eu",
      baseUrl: "https://replay.test",
      models: [model("m-replay")],
      sequence,
    };
    expect((await rpc("PushRegion", push)).status).toBe(200);
    const replay = await rpc("PushRegion", push);
    expect(replay.status).not.toBe(200);
    const body = (await replay.json()) as { code: string; message: string };
    expect(body.code).toBe("failed_precondition");
    expect(body.message).toContain("not newer than the last accepted sequence");
    const older = await rpc("PushRegion", { ...push, sequence: (BigInt(sequence) - 5n).toString() });
    expect(((await older.json()) as { code: string }).code).toBe("failed_precondition");
  });

  it("refuses pushes without the bearer token, or with a wrong one", async () => {
    const push = { region: "auth-eu", baseUrl: "https://auth.test", models: [model("m-auth")] };
    for (const token of [null, "", "wrong-token"]) {
      const res = await pushRegion(push, token);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe("unauthenticated");
    }
    expect((await listRegions()).map((r) => r.region)).not.toContain("auth-eu");
  });

  it("refuses a malformed push naming the field", async () => {
    const res = await pushRegion({ region: "bad", baseUrl: "ftp://x", models: [] });
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe("invalid_argument");
    expect(body.message).toContain("baseUrl");
  });
});
