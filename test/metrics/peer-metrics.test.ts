import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/core/clock.js";
import { createPeerMetrics, MAX_PEER_LABEL_VALUES } from "../../src/metrics/peer-metrics.js";
import { MetricsRegistry } from "../../src/metrics/registry.js";
import { peerReportMessage } from "../../src/push/peer-publisher.js";
import { createPoolStateService } from "../../src/services/pool-state-service.js";
import { PoolStore } from "../../src/state/pool-store.js";
import { endpoint, snapshot } from "../state/fixtures.js";

function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A replica's store and Connect service feeding peer metrics, as serve wires them. */
function replica() {
  const clock = createManualClock(10_000);
  const store = new PoolStore({ clock, staleAfterMs: 2000, expireAfterMs: 10_000 });
  store.configurePools([{ name: "pool-a", targetPorts: [8000] }]);
  store.push(snapshot(7, [endpoint("10.0.0.1:8000")], { observedAt: 9_900 }));
  const registry = new MetricsRegistry();
  const metrics = createPeerMetrics(registry, store);
  const service = createPoolStateService({
    store,
    peerSource: "peer-self",
    onPeerReport: (source) => metrics.received(source),
    onPeerRefused: (source, code) => metrics.refused(source, code),
  });
  const report = (source: string, sequence: bigint) => {
    const m = peerReportMessage(store, source);
    m.sequence = sequence;
    // biome-ignore lint/suspicious/noExplicitAny: the handler context is not read by pushPeerLoad.
    return () => (service.pushPeerLoad as any)(m, {});
  };
  return { clock, store, registry, metrics, report };
}

describe("peer report metrics", () => {
  it("count reports received and refused per peer, by code, and the peer's age", () => {
    const r = replica();
    r.report("peer-b", 1n)();
    r.report("peer-b", 2n)();
    expect(r.report("peer-b", 2n)).toThrow(/not newer/);
    expect(r.report("peer-self", 1n)).toThrow(/own peer id/);
    r.clock.advance(1500);
    let text = r.registry.expose();
    expect(sample(text, 'inference_router_peer_reports_received_total{source="peer-b"}')).toBe(2);
    expect(
      sample(text, 'inference_router_peer_reports_refused_total{source="peer-b",code="failed_precondition"}'),
    ).toBe(1);
    expect(
      sample(text, 'inference_router_peer_reports_refused_total{source="peer-self",code="already_exists"}'),
    ).toBe(1);
    expect(sample(text, 'inference_router_peer_last_report_age_seconds{source="peer-b"}')).toBe(1.5);
    // A peer that stops reporting ages, then is forgotten and leaves the gauge.
    r.clock.advance(10_000);
    r.store.sweep();
    text = r.registry.expose();
    expect(text).not.toContain('inference_router_peer_last_report_age_seconds{source="peer-b"}');
  });

  it("count reports sent and failed per peer URL, and fold peers past the label cap into other", () => {
    const r = replica();
    r.metrics.sent("http://10.0.0.7:9004");
    r.metrics.sent("http://10.0.0.7:9004");
    r.metrics.sendFailed("http://10.0.0.8:9004", Code.Unavailable);
    for (let i = 0; i <= MAX_PEER_LABEL_VALUES; i++) r.metrics.received(`peer-${i}`);
    const text = r.registry.expose();
    expect(sample(text, 'inference_router_peer_reports_sent_total{peer_url="http://10.0.0.7:9004"}')).toBe(2);
    expect(
      sample(
        text,
        'inference_router_peer_reports_send_failures_total{peer_url="http://10.0.0.8:9004",code="unavailable"}',
      ),
    ).toBe(1);
    expect(sample(text, 'inference_router_peer_reports_received_total{source="other"}')).toBe(1);
  });
});
