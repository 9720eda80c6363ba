/**
 * Which EndpointPickerConfig `serve` runs, seen from outside: a lone config in the directory runs (as
 * upstream's --config-file), the start-up log names it, and Explain shows its plugins; two configs and
 * none named is a start-up error that names both.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";
import { pushEndpoints } from "./http-router-helpers.js";

const POOL = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: demo-pool}
spec: {selector: {matchLabels: {app: demo}}, targetPorts: [{number: 8000}]}
`;
const picker = (name: string) => `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
metadata: {name: ${name}}
plugins:
  - type: running-requests-size-scorer
  - type: kv-cache-utilization-scorer
  - type: max-score-picker
schedulingProfiles:
  - name: mine
    plugins:
      - {pluginRef: running-requests-size-scorer, weight: 5}
      - {pluginRef: kv-cache-utilization-scorer, weight: 1}
      - {pluginRef: max-score-picker}
`;

let dir: string;
let server: CliProcess | undefined;

function configDir(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), "scheduler-config-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

afterEach(async () => {
  await server?.stop();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe("serve: the EndpointPickerConfig that runs", () => {
  it("runs a lone EndpointPickerConfig that no RouterConfig names, logs it and explains with its plugins", async () => {
    server = await startCli(
      [
        "serve",
        "--config",
        configDir({ "pool.yaml": POOL, "picker.yaml": picker("lone") }),
        ...loopbackPorts,
      ],
      { waitFor: ["api"] },
    );
    await expect
      .poll(() => server!.logs.find((l) => l.msg === "scheduler"), { timeout: 5000 })
      .toMatchObject({ config: "lone", reason: "only-config", profile: "mine" });
    const api = server.port("api");
    await pushEndpoints(api, "t", 1, [{ address: "10.0.0.1:8000" }, { address: "10.0.0.2:8000" }]);
    const res = await fetch(`http://127.0.0.1:${api}/inferencerouter.v1.PoolStateService/Explain`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", prompt: "hello", pool: "demo-pool" }),
    });
    const x = (await res.json()) as {
      profile?: string;
      profiles?: { candidates?: { scores?: { plugin: string; weight?: number }[] }[] }[];
    };
    expect(x.profile).toBe("mine");
    expect(x.profiles?.[0]?.candidates?.[0]?.scores?.map((s) => [s.plugin, s.weight])).toEqual([
      ["running-requests-size-scorer", 5],
      ["kv-cache-utilization-scorer", 1],
    ]);
  }, 20_000);

  it("refuses to start with two EndpointPickerConfigs and none named, naming both", async () => {
    server = await startCli(
      [
        "serve",
        "--config",
        configDir({ "pool.yaml": POOL, "a.yaml": picker("first"), "b.yaml": picker("second") }),
        ...loopbackPorts,
      ],
      { waitFor: [] },
    );
    expect(await server.exited).toBe(2);
    expect(server.stderr()).toMatch(/first/);
    expect(server.stderr()).toMatch(/second/);
  }, 20_000);
});
