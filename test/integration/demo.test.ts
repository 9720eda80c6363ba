/** `inference-router demo` (npm start): starts, prints curl commands that work as printed, stops on Ctrl-C. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliProcess, startCli } from "./helpers/spawn-cli.js";
import { until } from "./http-router-helpers.js";

let demo: CliProcess;
const ports = ["--http-port", "0", "--api-port", "0", "--extproc-port", "0", "--health-port", "0"];

beforeAll(async () => {
  demo = await startCli(["demo", ...ports, "--metrics-port", "0", "--sim-base-port", "0", "--replicas", "2"]);
  await until(() => demo.logs.some((l) => String(l.msg).startsWith("Ctrl-C")), 20_000, "the demo banner");
}, 30_000);

afterAll(async () => {
  await demo?.stop("SIGKILL");
});

const lines = () => demo.logs.map((l) => String(l.msg).trim());

/** Runs a printed `curl -s[iN] URL [-H 'k: v'] [-d 'json']` with fetch. */
function runCurl(command: string): Promise<Response> {
  const m = /^curl -s[iN]? (\S+)(?: -H '([^:]+): ([^']*)')?(?: -d '(.*)')?$/.exec(command);
  if (!m) throw new Error(`unexpected command shape: ${command}`);
  const [, url, name, value, body] = m;
  if (body === undefined) return fetch(url!);
  return fetch(url!, { method: "POST", headers: { [name!]: value! }, body });
}

describe("demo", () => {
  it("prints four curl commands (chat, streamed chat, Explain, GetPool) that work as printed", async () => {
    const commands = lines().filter((l) => l.startsWith("curl "));
    expect(commands).toHaveLength(4);
    const [chat, stream, explain, getPool] = commands as [string, string, string, string];

    const c = await runCurl(chat);
    expect(c.status).toBe(200);
    expect(c.headers.get("x-inference-endpoint")).toMatch(/^127\.0\.0\.1:\d+$/);
    const completion = await c.json();
    expect(completion.model).toBe("demo-model");
    expect(completion.choices[0].message.content.length).toBeGreaterThan(0);

    const s = await runCurl(stream);
    expect(s.headers.get("content-type")).toContain("text/event-stream");
    expect(await s.text()).toContain("data: [DONE]");

    const e = await runCurl(explain);
    expect(e.status).toBe(200);
    const explanation = await e.json();
    expect(explanation.pool).toBe("demo-pool");
    expect(explanation.profiles[0].candidates).toHaveLength(2);

    const g = await runCurl(getPool);
    expect(g.status).toBe(200);
    expect((await g.json()).pool.endpoints).toHaveLength(2);
  });

  it("prints a /v1/models command that lists the demo models", async () => {
    const models = /curl -s (\S+\/v1\/models)/.exec(lines().join("\n"))![1]!;
    const body = await (await fetch(models)).json();
    expect(body.data.map((m: { id: string }) => m.id)).toEqual([
      "demo-model",
      "demo-model-v1",
      "demo-model-v2",
    ]);
  });

  it("stops the router and the simulated replicas on Ctrl-C (SIGINT) and exits 0", async () => {
    const http = /http:\/\/127\.0\.0\.1:(\d+)\/v1\/chat/.exec(lines().join("\n"))![1];
    const replicas = /replicas: (.*)$/m.exec(lines().join("\n"))![1]!.split(", ");
    expect(await demo.stop("SIGINT")).toBe(0);
    for (const target of [`127.0.0.1:${http}`, ...replicas]) {
      await expect(fetch(`http://${target}/healthz`)).rejects.toThrow();
    }
  });
});
