/**
 * Every admission outcome of the ext_proc picker through the real CLI, on both transports, with
 * grpc-js playing Envoy: a refusal is one ImmediateResponse whose status and `inference error: <Code> - `
 * body are the upstream picker's; an admitted request is a pick.
 */
import type * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ExtProcCall,
  extProcClient,
  type Msg,
  requestBody,
  requestHeaders,
  setHeaders,
} from "./extproc-client.js";
import {
  chat,
  extprocTransports,
  POST,
  type Pod,
  type PoolApi,
  poolApi,
  pushPool,
  standardPods,
} from "./helpers/extproc-picker.js";
import { type CliProcess, loopbackPorts, startCli } from "./helpers/spawn-cli.js";

/** The saturated pool: every queue far past 5 and every KV cache past 0.8. */
const saturatedPods: Pod[] = [
  ["192.168.1.1:8000", 50, 0.97, []],
  ["192.168.1.2:8000", 50, 0.98, []],
  ["192.168.1.3:8000", 50, 0.99, []],
];
const podAddresses = standardPods.map(([address]) => address);

/** What the picker answered for one request: an ImmediateResponse, or the primary pick in the headers reply. */
interface Answer {
  status?: number;
  body?: string;
  destination?: string;
}

/** Runs one request (headers, then the body with end_of_stream unless `body` is undefined) to its answer. */
async function exchange(
  client: grpc.Client,
  body: string | undefined,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const call = new ExtProcCall(client);
  try {
    if (body === undefined) {
      call.send(requestHeaders({ ":method": "GET", ":path": "/v1/models", ...headers }, true));
    } else {
      call.send(requestHeaders({ ...POST, ...headers }));
      call.send(requestBody(body, true));
    }
    const [first] = (await call.waitFor(1)) as [Msg];
    const immediate = first.immediate_response;
    if (immediate)
      return { status: immediate.status?.code, body: Buffer.from(immediate.body ?? []).toString() };
    // The primary pick; fallbacks, when the picker sends any, follow it after commas.
    return { destination: setHeaders(first)["x-gateway-destination-endpoint"]?.split(",")[0] };
  } finally {
    call.end();
  }
}

const objective = (name: string) => ({ "x-gateway-inference-objective": name });

describe.each(extprocTransports)("serve (ext_proc transport $transport): admission", ({ flag }) => {
  describe("a picker of one pool, with a sheddable and a standard objective", () => {
    let server: CliProcess;
    let client: grpc.Client;
    let api: PoolApi;

    beforeAll(async () => {
      server = await startCli(
        ["serve", "--config", "test/fixtures/extproc-admission", ...flag, ...loopbackPorts],
        { waitFor: ["api", "extproc"] },
      );
      client = extProcClient(server.port("extproc"));
      api = poolApi(server.port("api"));
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
    });

    it("sheds a sheddable request on a saturated pool with 429 ResourceExhausted", async () => {
      await pushPool(api, "pool-a", saturatedPods);
      const answer = await exchange(client, chat("food-review"), objective("sheddable"));
      expect(answer.status).toBe(429);
      expect(answer.body).toMatch(/^inference error: ResourceExhausted - /);
    });

    it("picks for the same request under a priority-0 objective on the saturated pool", async () => {
      await pushPool(api, "pool-a", saturatedPods);
      const answer = await exchange(client, chat("food-review"), objective("standard"));
      expect(answer.status).toBeUndefined();
      expect(podAddresses).toContain(answer.destination);
    });

    it("picks for a sheddable request when the pool has room", async () => {
      await pushPool(api, "pool-a", standardPods);
      const answer = await exchange(client, chat("food-review"), objective("sheddable"));
      expect(answer.destination).toBe("192.168.1.2:8000");
    });

    it("answers a body that is not JSON with 400 BadRequest", async () => {
      await pushPool(api, "pool-a", standardPods);
      const answer = await exchange(client, "{oops");
      expect(answer.status).toBe(400);
      expect(answer.body).toMatch(/^inference error: BadRequest - /);
    });
  });

  describe("a picker of two pools and no --pool-name", () => {
    let server: CliProcess;
    let client: grpc.Client;

    beforeAll(async () => {
      server = await startCli(
        ["serve", "--config", "test/fixtures/extproc-two-pools", ...flag, ...loopbackPorts],
        { waitFor: ["api", "extproc"] },
      );
      client = extProcClient(server.port("extproc"));
      // Only pool-a has endpoints; pool-b stays empty.
      await pushPool(poolApi(server.port("api")), "pool-a", standardPods, ["model-a"]);
    }, 30_000);

    afterAll(async () => {
      client?.close();
      await server?.stop();
    });

    it("picks a pod of the pool whose pods serve the model", async () => {
      const answer = await exchange(client, chat("model-a"));
      expect(answer.destination).toBe("192.168.1.2:8000");
    });

    it("answers a model no pool serves with 404 NotFound", async () => {
      const answer = await exchange(client, chat("no-such-model"));
      expect(answer.status).toBe(404);
      expect(answer.body).toMatch(/^inference error: NotFound - /);
    });

    it("answers a model routed to a pool with no endpoints with 503 ServiceUnavailable", async () => {
      const answer = await exchange(client, chat("model-b"));
      expect(answer.status).toBe(503);
      expect(answer.body).toMatch(/^inference error: ServiceUnavailable - /);
    });

    // Was 500 while the endpoint of a bodiless request was looked up only in the --pool-name pool.
    it("sends a request without a body to a ready endpoint of some pool, not a 500", async () => {
      const answer = await exchange(client, undefined);
      expect(answer.status).toBeUndefined();
      expect(podAddresses).toContain(answer.destination);
    });
  });
});
