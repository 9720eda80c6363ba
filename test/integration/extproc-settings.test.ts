import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExtProcCall, extProcClient, requestBody, requestHeaders, setHeaders } from "./extproc-client.js";
import {
  chat,
  extprocTransports,
  POST,
  poolApi,
  pushPods,
  receiveWindows,
  standardPods,
} from "./helpers/extproc-picker.js";
import { loopbackPorts, startCli } from "./helpers/spawn-cli.js";

describe.each(extprocTransports)(
  "serve (ext_proc transport $transport): RouterConfig extproc settings",
  ({ transport, flag }) => {
    /** A config set: the ext_proc fixture (pool, scheduler, rewrites), its RouterConfig given `extproc`. */
    function configDir(extproc: string, dir = mkdtempSync(join(tmpdir(), "extproc-settings-"))): string {
      const fixture = readFileSync("test/fixtures/extproc/pool.yaml", "utf8");
      const withSettings = fixture.replace("\n  state:\n", `\n  ${extproc}\n  state:\n`);
      if (withSettings === fixture)
        throw new Error("the fixture's RouterConfig has no state: block to anchor on");
      writeFileSync(join(dir, "pool.yaml"), withSettings);
      return dir;
    }

    it("advertises the receive windows the config sets", async () => {
      const dir = configDir(
        "extproc: { initialConnectionWindowSize: 1048576, initialStreamWindowSize: 131072 }",
      );
      const picker = await startCli(["serve", "--config", dir, ...flag, ...loopbackPorts], {
        waitFor: ["extproc"],
      });
      try {
        expect(await receiveWindows(picker.port("extproc"))).toEqual({ stream: 131072, connection: 1048576 });
      } finally {
        await picker.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);

    it("answers in BUFFERED mode when the config says Envoy sends buffered bodies", async () => {
      const dir = configDir("extproc: { bodyMode: BUFFERED }");
      const picker = await startCli(["serve", "--config", dir, ...flag, ...loopbackPorts], {
        waitFor: ["api", "extproc"],
      });
      const buffered = extProcClient(picker.port("extproc"));
      try {
        const line = picker.logs.find((l) => l.msg === "listening" && l.service === "extproc");
        expect(line).toMatchObject({ bodyMode: "BUFFERED", transport });
        await pushPods(poolApi(picker.port("api")), standardPods);
        const call = new ExtProcCall(buffered);
        call.send(requestHeaders(POST));
        // Headers are answered at once, with no pick yet: Envoy waits for it before sending the body.
        const [first] = await call.waitFor(1);
        expect(Object.keys(first ?? {})).toContain("request_headers");
        expect(setHeaders(first)).toEqual({});
        call.send(requestBody(chat("food-review-1"), true));
        const [, pick] = await call.waitFor(2);
        const common = pick?.request_body?.response;
        expect(setHeaders(pick)["x-gateway-destination-endpoint"]).toBe("192.168.1.2:8000");
        expect(common?.clear_route_cache).toBe(true);
        // The body is not replaced (the model was not rewritten), and nothing is streamed.
        expect(common?.body_mutation).toBeFalsy();
        expect(call.replies).toHaveLength(2);
        call.end();
      } finally {
        buffered.close();
        await picker.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);

    it("applies reloaded body and snapshot limits at once, and says the message limit waits for a restart", async () => {
      const dir = configDir("limits: { maxBodyBytes: 100000, maxEndpointsPerSnapshot: 10 }");
      const picker = await startCli(["serve", "--config", dir, ...flag, ...loopbackPorts], {
        waitFor: ["api", "extproc"],
      });
      const client = extProcClient(picker.port("extproc"));
      const api = poolApi(picker.port("api"));
      const body = chat("food-review-1", `,"user":"${"u".repeat(2000)}"`);
      const exchange = async () => {
        const call = new ExtProcCall(client);
        call.send(requestHeaders(POST)).send(requestBody(body, true));
        const [first] = await call.waitFor(1);
        call.end();
        return first;
      };
      try {
        await pushPods(api, standardPods);
        expect(setHeaders(await exchange())["x-gateway-destination-endpoint"]).toBe("192.168.1.2:8000");
        configDir(
          "limits: { maxBodyBytes: 1000, maxEndpointsPerSnapshot: 2, maxMessageBytes: 8388608 }",
          dir,
        );
        await expect
          .poll(() => picker.logs.find((l) => l.msg === "config change takes effect at the next start"), {
            timeout: 5000,
          })
          .toMatchObject({ level: "warn", keys: ["RouterConfig spec.limits.maxMessageBytes"] });
        const refused = await exchange();
        expect(refused?.immediate_response?.status?.code).toBe(413);
        expect(Buffer.from(refused?.immediate_response?.body).toString()).toContain(
          "larger than the limit of 1000 bytes",
        );
        await expect(pushPods(api, standardPods)).rejects.toThrow(/maxEndpointsPerSnapshot/);
      } finally {
        client.close();
        await picker.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 30_000);
  },
);
