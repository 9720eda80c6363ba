/**
 * bench:extproc's measuring: CPU per request of the picker (or the bare server) and of this load
 * client, GC pauses of both, RSS, the open-loop run with its per-window p99, and the report table.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import type * as grpc from "@grpc/grpc-js";
import {
  CHANNELS,
  clientGc,
  openLoop,
  percentile,
  type Request4K,
  withoutClientPauses,
} from "./extproc-load.js";

/** CPU seconds (user + system) the process has used so far (Linux /proc, 100 ticks/s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
}

export type Result = { n: number; rps: number; p50: number; p99: number };

/**
 * The table rows of one server process: per row, CPU per request since the last mark for the server
 * and for this load client (the capacity figures that host contention skews least: both share the
 * two cores), and the longest GC pause of each (the server's from its `--trace-gc` lines).
 */
export class Meter {
  readonly rows: string[] = [];
  readonly notes: string[] = [];
  /** Retirements logged during the `rst1000` row (its client resets every stream): not the grpc-js client's. */
  resetRetirements = 0;
  #cpu = 0;
  #client = process.cpuUsage();
  #gc = { server: 0, client: 0 };

  constructor(
    readonly pid: number,
    readonly logs: readonly Record<string, unknown>[],
  ) {
    this.mark();
  }

  /** Starts the next row's counts here (after a warm-up or an unmeasured run). */
  mark(): void {
    this.#cpu = cpuSeconds(this.pid);
    this.#client = process.cpuUsage();
    this.#gc = { server: this.logs.length, client: clientGc.length };
  }

  /** Young-generation GCs since the last mark: the server's (`--trace-gc` "Scavenge" lines) and this client's. */
  youngGcs(): { server: number; client: number } {
    const server = this.logs
      .slice(this.#gc.server)
      .filter((l) => String(l.msg).includes(": Scavenge ")).length;
    const client = clientGc.slice(this.#gc.client).filter((p) => p.minor).length;
    return { server, client };
  }

  row(label: string, r: Result, rss = ""): void {
    const perRequest = ((cpuSeconds(this.pid) - this.#cpu) * 1000) / r.n;
    const client = process.cpuUsage(this.#client);
    const clientPerRequest = (client.user + client.system) / 1000 / r.n;
    const serverGc = longestGcMs(pickerGcPauses(this.logs.slice(this.#gc.server)));
    const gc = `${serverGc} / ${longestGcMs(clientGc.slice(this.#gc.client).map((p) => p.ms))}`;
    this.mark();
    const rps = Number.isNaN(r.rps) ? "" : r.rps.toFixed(0);
    this.rows.push(
      `| ${label} | ${r.n} | ${rps} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${perRequest.toFixed(2)} | ${clientPerRequest.toFixed(2)} | ${gc} | ${rss} |`,
    );
  }
}

/** Seconds the open loop is measured for, and the windows its p99 is also given for. */
const OPEN_SECONDS = 15;
const OPEN_WINDOWS = 3;

/**
 * 1,000 req/s for 15 s, after 2 unmeasured seconds at the same rate (the warm-up's 50 concurrent
 * streams leave both heaps with GC work to finish, and that debt belongs to the burst, not to the
 * rate). Adds the row, and a note with the p99 of each 5 s window (how much a tail figure moves on a
 * shared host) and the run less the requests in flight during one of this load client's own GC pauses.
 */
export async function measureOpenLoop(meter: Meter, clients: grpc.Client[], req: Request4K, label: string) {
  await openLoop(clients, req, 1000, 2);
  meter.mark();
  const spans: [number, number][] = [];
  const pausesFrom = clientGc.length;
  const fixed = await openLoop(clients, req, 1000, OPEN_SECONDS, spans);
  const kept = withoutClientPauses(spans, clientGc.slice(pausesFrom));
  const young = meter.youngGcs();
  const bySend = [...spans].sort((a, b) => a[0] - b[0]);
  const per = Math.ceil(bySend.length / OPEN_WINDOWS);
  const windows = Array.from({ length: OPEN_WINDOWS }, (_, w) =>
    percentile(
      bySend
        .slice(w * per, (w + 1) * per)
        .map(([from, to]) => to - from)
        .sort((a, b) => a - b),
      99,
    ).toFixed(2),
  );
  const windowSeconds = OPEN_SECONDS / OPEN_WINDOWS;
  meter.notes.push(
    `${label}: p99 of each ${windowSeconds} s window ${windows.join(", ")} ms. ` +
      `Without the ${spans.length - kept.length} requests in flight during one of the load client's own GC pauses: ` +
      `p50 ${percentile(kept, 50).toFixed(2)} ms, p99 ${percentile(kept, 99).toFixed(2)} ms (${kept.length} requests). ` +
      `Young-generation GCs in the ${OPEN_SECONDS} s: server ${young.server}, client ${young.client}.`,
  );
  meter.row(label, fixed, rssMb(meter.pid).rss.toFixed(0));
}

/** Pause times (ms) in the picker's `--trace-gc` lines, e.g. "Scavenge 38.4 (58.0) -> 25.2 (58.0) MB, 0.69 / 0.00 ms". */
function pickerGcPauses(lines: readonly Record<string, unknown>[]): number[] {
  const pauses: number[] = [];
  for (const l of lines) {
    const m = typeof l.msg === "string" ? / MB, ([\d.]+) \/ [\d.]+ ms/.exec(l.msg) : null;
    if (m) pauses.push(Number(m[1]));
  }
  return pauses;
}

function longestGcMs(pauses: readonly number[]): string {
  return pauses.length === 0 ? "-" : Math.max(...pauses).toFixed(1);
}

export function report(what: string, meter: Meter, clients: grpc.Client[]): string {
  for (const c of clients) c.close();
  return [
    `ext_proc picker, ${what}, on loopback (node ${process.version}, ${CHANNELS} HTTP/2 connections, 10 endpoints, default scheduler)`,
    "",
    `host: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} at the end`,
    "",
    "| scenario | requests | req/s | p50 ms | p99 ms | picker CPU ms/req | client CPU ms/req | longest GC pause ms, picker / client | picker RSS MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...meter.rows,
    "",
    // The load client half-closes each stream once its answer is in (as Envoy with graceful close and
    // grpc-js do): no stream of it can be followed by a reset, so the picker never retires its connections.
    ...(what.startsWith("transport")
      ? [
          `Connections the picker retired ahead of the rapid-reset limit while the grpc-js client (which half-closes) ran: ${
            meter.logs.filter((l) => l.msg === "extproc connection retired").length - meter.resetRetirements
          }.`,
          "",
        ]
      : []),
    ...meter.notes.flatMap((n) => [n, ""]),
  ].join("\n");
}
