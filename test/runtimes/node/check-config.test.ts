import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../integration/helpers/spawn-cli.js";

const bin = join(repoRoot, "runtimes/node/bin.js");

const pool = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: { name: pool-a }
spec: { selector: { matchLabels: { app: a } }, targetPorts: [{ number: 8000 }] }
`;
const picker = (name: string) => `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
metadata: { name: ${name} }
plugins: [{ type: queue-scorer }, { type: prefix-cache-scorer, name: prefix }, { type: max-score-picker }]
schedulingProfiles:
  - name: main
    plugins: [{ pluginRef: queue-scorer, weight: 1 }, { pluginRef: prefix, weight: 5 }, { pluginRef: max-score-picker }]
`;

const dirs: string[] = [];
async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "check-config-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** Runs the real `inference-router check-config` and returns its exit code and output. */
function checkConfig(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, "check-config", ...args], { cwd: repoRoot }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe("inference-router check-config", () => {
  it("prints the resolved resources and the lone EndpointPickerConfig that runs, and exits 0", async () => {
    const dir = await configDir({
      "pool.yaml": pool,
      "picker.yaml": picker("mine"),
      "router.yaml":
        "apiVersion: inference-router.dev/v1alpha1\nkind: RouterConfig\nspec: { listen: { httpPort: 8081 } }\n",
    });
    const r = await checkConfig(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `InferencePool default/pool-a: selector app=a, targetPorts 8000, FailClose (${dir}/pool.yaml#0)`,
    );
    expect(r.stdout).toContain(
      `scheduler: mine (${dir}/picker.yaml#0), profile main: the only EndpointPickerConfig in the config`,
    );
    expect(r.stdout).toMatch(
      /\n {4}queue-scorer weight 1\n {4}prefix \(prefix-cache-scorer\) weight 5\n {4}max-score-picker\n/,
    );
    expect(r.stdout).toContain("RouterConfig spec.listen.httpPort: 8081 (default 8080)");

    const json = await checkConfig("--json", dir);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout) as { ok: boolean; scheduler: { config: string; plugins: unknown[] } };
    expect(out.ok).toBe(true);
    expect(out.scheduler.config).toBe("mine");
    expect(out.scheduler.plugins).toEqual([
      { name: "queue-scorer", type: "queue-scorer", weight: 1 },
      { name: "prefix", type: "prefix-cache-scorer", weight: 5 },
      { name: "max-score-picker", type: "max-score-picker" },
    ]);
  });

  it("refuses two EndpointPickerConfigs that nothing names, naming both, and exits 1", async () => {
    const dir = await configDir({ "a.yaml": picker("fast"), "b.yaml": picker("slow"), "pool.yaml": pool });
    const r = await checkConfig(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`fast (${dir}/a.yaml#0), slow (${dir}/b.yaml#0)`);
  });

  it("prints every problem of a broken config, its plugins' parameters included, and exits 1", async () => {
    const broken = await configDir({
      "pool.yaml": pool.replace("8000", "70000").concat("---\nkind: Nope\n"),
    });
    const r = await checkConfig("--json", broken);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      path: broken,
      problems: [
        `${broken}/pool.yaml#0 spec.targetPorts[0].number: 70000 — must be between 1 and 65535`,
        expect.stringMatching(/^.*pool\.yaml#1 kind: "Nope" — unknown kind/),
      ],
    });
    const badParams = await configDir({
      "pool.yaml": pool,
      "picker.yaml": picker("p").replace(
        "type: max-score-picker }",
        "type: max-score-picker, parameters: { maxNumOfEndpoints: -1 } }",
      ),
    });
    const p = await checkConfig(badParams);
    expect(p.code).toBe(1);
    expect(p.stderr).toContain(
      'plugin "max-score-picker": parameters.maxNumOfEndpoints: -1 must be at least 1',
    );
  });

  it("exits 2 on bad usage and prints its options on --help", async () => {
    const none = await checkConfig();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("expected one config PATH, got 0");
    const help = await checkConfig("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: inference-router check-config [--json] PATH");
  });
});
