/**
 * The OpenAI-surface contract (test/contract/openai-surface.ts) against the edge worker inside
 * workerd: two regions pushed for one model, the European one preferred for a client in Frankfurt
 * (upstream 0) and the American one its fallback (upstream 1), both played by a replaced fetch.
 */
import { env, SELF } from "cloudflare:test";
import { afterEach, beforeEach, describe, it } from "vitest";
import { resetIsolate } from "../../runtimes/worker/index.js";
import {
  type ContractHarness,
  ERROR_500_BODY,
  jsonAnswer,
  openAiSurfaceCases,
  type Received,
  sseAnswer,
  type UpstreamBehaviour,
} from "../contract/openai-surface.js";
import { FRANKFURT, model, mustPush, playRegions, VIRGINIA } from "./helpers.js";

const MODEL = "contract-model";
const HOSTS = ["contract-eu.test", "contract-us.test"] as const;
const FROM_FRANKFURT = { colo: "FRA", continent: "EU", country: "DE", latitude: "50.11", longitude: "8.68" };

const behaviour: UpstreamBehaviour[] = ["ok", "ok"];
let played: ReturnType<typeof playRegions> | undefined;

function region(i: 0 | 1) {
  return async (request: Request): Promise<Response> => {
    const what = behaviour[i];
    if (what === "connect-error") throw new TypeError(`connection refused: ${HOSTS[i]}`);
    if (what === "status-500")
      return new Response(ERROR_500_BODY, { status: 500, headers: { "content-type": "application/json" } });
    const stream = (await request.clone().text()).includes('"stream":true');
    return new Response(stream ? sseAnswer(MODEL) : jsonAnswer(MODEL), {
      headers: {
        "content-type": stream ? "text/event-stream" : "application/json",
        "keep-alive": "timeout=5",
      },
    });
  };
}

const harness: ContractHarness = {
  // Every request comes from a Frankfurt colo (request.cf), so the European region is preferred.
  fetch: (request) => SELF.fetch(request, { cf: FROM_FRANKFURT } as RequestInit),
  model: MODEL,
  maxBodyBytes: Number(env.MAX_BODY_BYTES),
  upstream(i, b) {
    behaviour[i] = b;
  },
  received(): Received[] {
    return (played?.seen ?? []).map((s) => {
      const url = new URL(s.request.url);
      const headers: Record<string, string> = {};
      s.request.headers.forEach((v, k) => {
        headers[k] = v;
      });
      return {
        upstream: s.host === HOSTS[0] ? 0 : 1,
        path: url.pathname + url.search,
        headers,
        body: s.body,
      };
    });
  },
};

beforeEach(async () => {
  behaviour[0] = behaviour[1] = "ok";
  await mustPush({
    region: "contract-eu",
    baseUrl: `https://${HOSTS[0]}`,
    location: FRANKFURT,
    models: [model(MODEL)],
  });
  await mustPush({
    region: "contract-us",
    baseUrl: `https://${HOSTS[1]}`,
    location: VIRGINIA,
    models: [model(MODEL)],
  });
  played = playRegions({ [HOSTS[0]]: region(0), [HOSTS[1]]: region(1) });
});

afterEach(() => {
  played?.restore();
  played = undefined;
  resetIsolate();
});

describe("the OpenAI surface of the edge worker", () => {
  for (const c of openAiSurfaceCases) {
    const reason = c.skip?.edge;
    if (reason !== undefined) it.skip(`${c.name} (skipped: ${reason})`, () => {});
    else it(c.name, () => c.run(harness));
  }
});
