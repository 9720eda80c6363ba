/**
 * The live pool page in headless Chromium against a real `serve`: rows appear, a push changes a row
 * within 1 s (WatchPool over the Connect protocol from the browser), Explain shows per-plugin scores,
 * and the read token typed into the page is what lets it read.
 * UPDATE_SCREENSHOT=1 rewrites docs/pool-page.png (the README's picture).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PoolStateService,
  PushSnapshotRequestSchema,
} from "../../src/gen/inferencerouter/v1/pool_state_pb.js";
import { patientConfigDir } from "./helpers/patient-config.js";
import { type CliProcess, loopbackPorts, repoRoot, startCli } from "./helpers/spawn-cli.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(
    `pool-page.test.ts skipped: ${CHROMIUM} is not installed (apt-get install -y chromium; CI does)`,
  );

const PUSH = { Authorization: "Bearer push-secret" };
let server: CliProcess;
let client: Client<typeof PoolStateService>;
let context: BrowserContext;
let page: Page;
let profile: string;
let base: string;

function push(sequence: number, source: string, waiting: number[]) {
  return create(PushSnapshotRequestSchema, {
    pool: "pool-a",
    source,
    sequence: BigInt(sequence),
    observedAt: timestampFromMs(Date.now()),
    endpoints: waiting.map((w, i) => ({
      address: `10.0.${source === "agent-a" ? 0 : 1}.${i + 1}:8000`,
      ready: true,
      engine: "vllm",
      metrics: {
        waitingRequests: w,
        runningRequests: 2 + i,
        kvCacheUsage: 0.2 + 0.3 * i,
        activeAdapters: i === 0 ? ["sql-lora"] : [],
        blockSize: 16,
        numBlocks: 1000,
      },
    })),
  });
}

describe.skipIf(!hasChromium)("the pool page in Chromium", () => {
  beforeAll(async () => {
    server = await startCli(
      [
        "serve",
        "--config",
        patientConfigDir(),
        ...loopbackPorts,
        "--push-token",
        "push-secret",
        "--read-token",
        "read-secret",
      ],
      { waitFor: ["api", "http"] },
    );
    base = `http://127.0.0.1:${server.port("api")}`;
    client = createClient(PoolStateService, createConnectTransport({ baseUrl: base, httpVersion: "1.1" }));
    await client.pushSnapshot(push(1, "agent-a", [0, 3]), { headers: PUSH });
    await client.pushSnapshot(push(1, "agent-b", [5]), { headers: PUSH });
    const { chromium } = await import("playwright-core");
    profile = mkdtempSync(join(tmpdir(), "pool-page-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1180, height: 760 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop();
  });

  it("asks for the read token, then lists every endpoint of the pool as a row once it is given", async () => {
    await page.goto(`${base}/`);
    await page.waitForFunction(() =>
      /unauthenticated/.test(document.getElementById("status")?.textContent ?? ""),
    );
    await page.fill("#token", "read-secret");
    await Promise.all([page.waitForEvent("load"), page.press("#token", "Tab")]);
    await page.waitForSelector('tr[data-address="10.0.1.1:8000"]');
    const rows = await page.$$eval("tr[data-address]", (trs) =>
      trs.map((tr) => tr.getAttribute("data-address")),
    );
    expect(rows.sort()).toEqual(["10.0.0.1:8000", "10.0.0.2:8000", "10.0.1.1:8000"]);
    const cells = await page.$$eval('tr[data-address="10.0.0.1:8000"] td', (tds) =>
      tds.map((td) => td.textContent),
    );
    expect(cells).toEqual([
      "10.0.0.1:8000",
      "yes",
      "fresh",
      "0 / 2",
      "20%",
      "sql-lora",
      "0",
      expect.any(String),
      "agent-a",
    ]);
  });

  it("changes a row within 1 s of a push", async () => {
    await client.pushSnapshot(push(2, "agent-a", [17, 3]), { headers: PUSH });
    await page.waitForFunction(
      () =>
        document.querySelector('tr[data-address="10.0.0.1:8000"] td[data-field="queue"]')?.textContent ===
        "17 / 2",
      undefined,
      { timeout: 1000 },
    );
  });

  it("runs Explain from the request box and shows each candidate's per-plugin scores", async () => {
    await page.selectOption("#explain-pool", "pool-a");
    await page.fill("#explain-model", "llama");
    await page.click('#explain-form button[type="submit"]');
    await page.waitForSelector("table.scores tbody tr");
    const header = await page.$$eval("table.scores thead th", (ths) => ths.map((th) => th.textContent));
    expect(header[0]).toBe("endpoint");
    expect(header.at(-1)).toBe("total");
    expect(header.length).toBeGreaterThan(2);
    const candidates = await page.$$eval("table.scores tbody tr", (trs) => trs.length);
    expect(candidates).toBe(3);
    const picked = await page.textContent("#explain-picked");
    expect(["10.0.0.1:8000", "10.0.0.2:8000", "10.0.1.1:8000"]).toContain(picked?.split(", ")[0]);
  });

  it("shows the core's recent decisions as a table, one row per entry of GET /ui/decisions", async () => {
    await fetch(`http://127.0.0.1:${server.port("http")}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "page-decision-1" },
      body: JSON.stringify({ model: "llama", messages: [{ role: "user", content: "hi" }], max_tokens: 1 }),
    }).then((r) => r.text());
    const res = await fetch(`${base}/ui/decisions`, { headers: { authorization: "Bearer read-secret" } });
    const { decisions } = (await res.json()) as { decisions: { requestId: string; outcome: string }[] };
    const entry = decisions.find((d) => d.requestId === "page-decision-1");
    expect(entry).toBeDefined();
    const row = await page.waitForSelector('#decisions tr[data-request-id="page-decision-1"]');
    const cells = await row.$$eval("td", (tds) => tds.map((td) => td.textContent));
    expect(cells[1]).toBe("page-decision-1");
    expect(cells[2]).toBe("llama");
    expect(cells.at(-1)).toBe(entry?.outcome);
    if (process.env.UPDATE_SCREENSHOT === "1")
      await page.screenshot({ path: join(repoRoot, "docs/pool-page.png"), fullPage: true });
  });
});
