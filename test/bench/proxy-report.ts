/**
 * bench:proxy's report: the per-row table (medians over rounds), the 32-client summary, and the
 * ratios issue #24 sets targets on, each taken within one round (same machine state) and then the
 * median over rounds; with --baseline, serve against the baseline build the same way (an A/B).
 */
import type { LoadRun } from "./proxy-wrk.js";

/** One measured row. */
export interface Sample extends LoadRun {
  target: string;
  kind: "json" | "sse";
  clients: number;
  round: number;
  proxyCpuUs: number;
  /** The system (kernel) part of proxyCpuUs. */
  proxySysUs: number;
  upstreamCpuUs: number;
  load1: number;
}

/** A front as the report names it; `measured` = its CPU is read (not the upstream reached directly). */
export interface ReportTarget {
  name: string;
  measured: boolean;
}

/** How the run was made (printed in the header line). */
export interface RunInfo {
  ms: number;
  rounds: number;
  inProcess: boolean;
  kinds: readonly ("json" | "sse")[];
  /** The load generator's name. */
  client: string;
  loadBefore: string;
  loadAfter: () => string;
}

/** The name of the --baseline build's rows. */
export const BASELINE = "serve (baseline)";

export const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
export const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");
export const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-");

/** serve's /metrics after the run: requests counted and output tokens read from the answers' usage. */
export async function usageCheck(port: number): Promise<string> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const sum = (name: string) =>
      text
        .split("\n")
        .filter((l) => l.startsWith(name))
        .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    const requests = sum("inference_objective_request_total");
    const outputs = sum("inference_objective_output_tokens_count");
    const tokens = sum("inference_objective_output_tokens_sum");
    return `serve's /metrics after the run: ${f0(requests)} requests counted, usage read from ${f0(outputs)} answers (${f0(tokens)} output tokens)`;
  } catch (err) {
    return `serve's /metrics could not be read: ${String(err)}`;
  }
}

export function report(
  run: RunInfo,
  samples: Sample[],
  targets: readonly ReportTarget[],
  ours: string,
  usage: string,
  idle: ReadonlyMap<string, number>,
): void {
  const { ms: MS, rounds: ROUNDS, kinds: KINDS } = run;
  const pick = (t: string, k: string, c: number) =>
    samples.filter((s) => s.target === t && s.kind === k && s.clients === c);
  const rps = (s: Sample) => (s.requests / s.elapsedMs) * 1000;
  const med = (t: string, k: string, c: number, f: (s: Sample) => number) => median(pick(t, k, c).map(f));
  console.log(
    `\n## Front-door cost (npm run bench:proxy -- --ms ${MS} --rounds ${ROUNDS}${run.inProcess ? " --in-process" : ""})\n`,
  );
  console.log(
    `node ${process.version}, nginx worker_processes 1, load generator ${run.client}, ` +
      `${MS} ms per row, ${ROUNDS === 1 ? "one round" : `median of ${ROUNDS} interleaved rounds`}; load average ${run.loadBefore} before, ${run.loadAfter()} after\n`,
  );
  console.log(
    "| front | answer | clients | req/s | p50 ms | p99 ms | errors | proxy CPU µs/req | of which kernel | upstream CPU µs/req | load gen % of a core |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  let busiestClient = 0;
  for (const k of KINDS)
    for (const c of [32, 1])
      for (const t of targets) {
        const ss = pick(t.name, k, c);
        if (ss.length === 0) continue;
        const clientPct = median(ss.map((s) => (s.clientCpuMs / s.elapsedMs) * 100));
        busiestClient = Math.max(busiestClient, clientPct);
        console.log(
          `| ${t.name} | ${k} | ${c} | ${f0(med(t.name, k, c, rps))} | ${f2(med(t.name, k, c, (s) => s.p50))} | ${f2(med(t.name, k, c, (s) => s.p99))} | ` +
            `${ss.reduce((a, s) => a + s.errors, 0)} | ${t.measured ? f0(med(t.name, k, c, (s) => s.proxyCpuUs)) : "-"} | ${t.measured ? f0(med(t.name, k, c, (s) => s.proxySysUs)) : "-"} | ${f0(med(t.name, k, c, (s) => s.upstreamCpuUs))} | ${f0(clientPct)} |`,
        );
      }

  console.log("\n32 clients:\n");
  console.log("| front | JSON req/s | JSON CPU/req | SSE req/s | SSE CPU/req | idle CPU ms/s |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const t of targets.filter((x) => x.measured)) {
    const cell = (k: string) =>
      (KINDS as readonly string[]).includes(k)
        ? `${f0(med(t.name, k, 32, rps))} | ${f0(med(t.name, k, 32, (s) => s.proxyCpuUs))} µs`
        : "- | -";
    console.log(`| ${t.name} | ${cell("json")} | ${cell("sse")} | ${f1(idle.get(t.name) ?? Number.NaN)} |`);
  }

  // Ratios per round (same round = same machine state), then their median.
  const ratio = (k: string, c: number, other: string, f: (s: Sample) => number) => {
    const per: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const a = samples.find((s) => s.target === ours && s.kind === k && s.clients === c && s.round === r);
      const b = samples.find((s) => s.target === other && s.kind === k && s.clients === c && s.round === r);
      if (a && b) per.push(f(a) / f(b));
    }
    return { value: median(per), per };
  };
  const verdict = (ok: boolean) => (ok ? "MET" : "MISSED");
  const line = (
    what: string,
    r: { value: number; per: number[] },
    ok: (v: number) => boolean,
    target: string,
  ) => {
    if (!Number.isFinite(r.value)) return console.log(`- ${what}: NOT MEASURED`);
    const rounds = r.per.length > 1 ? ` (rounds: ${r.per.map(f2).join(", ")})` : "";
    const judged = target === "" ? "" : `, target ${target}: ${verdict(ok(r.value))}`;
    console.log(`- ${what}: ${f2(r.value)}x${rounds}${judged}`);
  };
  console.log("\nRatios (same round, then median) and issue #24's targets:\n");
  const bareName = "bare node:http";
  line(
    `throughput ${ours}/bare, JSON, 32 clients`,
    ratio("json", 32, bareName, rps),
    (v) => v >= 0.9,
    ">= 0.9x",
  );
  line(
    `throughput ${ours}/bare, SSE, 32 clients`,
    ratio("sse", 32, bareName, rps),
    (v) => v >= 0.9,
    ">= 0.9x",
  );
  line(
    `CPU per JSON request ${ours}/bare, 32 clients`,
    ratio("json", 32, bareName, (s) => s.proxyCpuUs),
    (v) => v <= 1.2,
    "<= 1.2x",
  );
  line(
    `CPU per SSE request ${ours}/bare, 32 clients`,
    ratio("sse", 32, bareName, (s) => s.proxyCpuUs),
    () => true,
    "",
  );
  line(
    `throughput ${ours}/nginx, JSON, 32 clients`,
    ratio("json", 32, "nginx", rps),
    (v) => v >= 0.6,
    ">= 0.6x",
  );
  line(
    `throughput ${ours}/nginx, SSE, 32 clients`,
    ratio("sse", 32, "nginx", rps),
    (v) => v >= 0.7,
    ">= 0.7x",
  );
  const bareNginx = (k: string) => {
    const v = median(pick(bareName, k, 32).map(rps)) / median(pick("nginx", k, 32).map(rps));
    return f2(v);
  };
  console.log(
    `- for reference, bare/nginx at 32 clients: JSON ${bareNginx("json")}x, SSE ${bareNginx("sse")}x (the Node floor)`,
  );
  for (const k of KINDS) {
    const added = (t: string) => {
      const per: number[] = [];
      for (let r = 1; r <= ROUNDS; r++) {
        const a = samples.find((s) => s.target === t && s.kind === k && s.clients === 1 && s.round === r);
        const d = samples.find(
          (s) => s.target === "direct" && s.kind === k && s.clients === 1 && s.round === r,
        );
        if (a && d) per.push(a.p50 - d.p50);
      }
      return median(per);
    };
    const ourAdded = added(ours);
    const others = targets
      .filter((t) => t.measured && t.name !== ours)
      .map((t) => `${t.name} ${f2(added(t.name))} ms`)
      .join(", ");
    const target = k === "json" ? `, target <= 0.2 ms: ${verdict(ourAdded <= 0.2)}` : "";
    console.log(`- added p50 over direct, ${k}, 1 client: ${ours} ${f2(ourAdded)} ms${target} (${others})`);
  }
  const baseline = targets.find((t) => t.name === BASELINE);
  if (baseline !== undefined)
    for (const k of KINDS) {
      line(
        `A/B: CPU per ${k} request ${ours}/baseline, 32 clients`,
        ratio(k, 32, BASELINE, (s) => s.proxyCpuUs),
        () => true,
        "",
      );
      line(`A/B: throughput ${ours}/baseline, ${k}, 32 clients`, ratio(k, 32, BASELINE, rps), () => true, "");
    }
  console.log(`- ${usage}`);
  const idleOurs = idle.get(ours);
  const jsonRate = median(pick(ours, "json", 32).map(rps));
  if (idleOurs !== undefined && Number.isFinite(jsonRate))
    console.log(
      `- ${ours} idles at ${f1(idleOurs)} ms of CPU per second (one replica pushing its state every 100 ms, timers): ` +
        `${f0((idleOurs * 1000) / jsonRate)} µs of each JSON request's CPU at the 32-client rate, less as the rate grows`,
    );
  console.log(
    busiestClient > 85
      ? `- WARNING: the load generator used up to ${f0(busiestClient)}% of a core in a row: it may be what limits that row.`
      : `- the load generator used at most ${f0(busiestClient)}% of a core in any row (not the bottleneck).`,
  );
}
