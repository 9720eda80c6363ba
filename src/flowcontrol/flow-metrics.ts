/**
 * Flow control's metrics under upstream's names (../shared/UPSTREAM.md 2.4): llm_d_epp_flow_control_*,
 * each also rendered under the deprecated inference_extension_flow_control_* twin upstream still emits.
 * Registered on the router's one registry (RouterMetrics.registry), so /metrics shows them beside the rest.
 */
import { REQUEST_LATENCY_BUCKETS } from "../metrics/buckets.js";
import type { MetricOptions } from "../metrics/labeled.js";
import type { MetricsRegistry } from "../metrics/registry.js";
import type { FlowControlMetrics } from "./flow-controller.js";
import type { FlowRequest, QueueOutcome } from "./types.js";

const QUEUE_LABELS = [
  "fairness_id",
  "priority",
  "inference_pool",
  "model_name",
  "target_model_name",
] as const;
const OUTCOME_LABELS = [
  "fairness_id",
  "priority",
  "outcome",
  "inference_pool",
  "model_name",
  "target_model_name",
] as const;
/** Fairness ids and model names fold past 1,000 values into `other` (upstream's cap). */
const CAPPED = ["fairness_id", "model_name", "target_model_name"];

function named(suffix: string, help: string): { name: string; help: string; options: MetricOptions } {
  const name = `llm_d_epp_flow_control_${suffix}`;
  const twin = `inference_extension_flow_control_${suffix}`;
  return {
    name,
    help,
    options: { cappedLabels: CAPPED, twins: [{ name: twin, help: `[Deprecated: use ${name}] ${help}` }] },
  };
}

/**
 * @example
 * const fcMetrics = createFlowControlMetrics(core.metrics.registry, () => [["pool-a", 0.4]]);
 */
export function createFlowControlMetrics(
  registry: MetricsRegistry,
  saturation: () => Iterable<readonly [pool: string, value: number]>,
): FlowControlMetrics {
  const n = (s: string, h: string) => named(s, h);
  const size = n("queue_size", "Current number of requests in the flow control queues.");
  const bytes = n("queue_bytes", "Current bytes of requests in the flow control queues.");
  const duration = n(
    "request_queue_duration_seconds",
    "Time requests spent in the flow control queue, by final outcome, in seconds.",
  );
  const total = n("requests_total", "Requests that left flow control, by outcome.");
  const sat = n("pool_saturation", "Pool saturation as flow control sees it (>= 1: requests wait).");
  const sizeG = registry.gauge(size.name, size.help, QUEUE_LABELS, size.options);
  const bytesG = registry.gauge(bytes.name, bytes.help, QUEUE_LABELS, bytes.options);
  const durationH = registry.histogram(
    duration.name,
    duration.help,
    OUTCOME_LABELS,
    REQUEST_LATENCY_BUCKETS,
    duration.options,
  );
  const totalC = registry.counter(total.name, total.help, OUTCOME_LABELS, total.options);
  const satG = registry.gauge(sat.name, sat.help, ["inference_pool"], {
    twins: [{ name: "inference_extension_flow_control_pool_saturation", help: `[Deprecated] ${sat.help}` }],
  });
  registry.onCollect(() => {
    for (const [pool, value] of saturation()) satG.labels(pool).set(value);
  });
  const labels = (r: FlowRequest) =>
    [r.flowId, String(r.priority), r.pool, r.model ?? "", r.targetModel ?? ""] as const;
  return {
    queueChanged(req, requests, b) {
      const l = labels(req);
      sizeG.labels(...l).inc(requests);
      bytesG.labels(...l).inc(b);
    },
    finished(req: FlowRequest, outcome: QueueOutcome, seconds: number) {
      const [fairness, priority, pool, model, target] = labels(req);
      durationH.labels(fairness, priority, outcome, pool, model, target).observe(seconds);
      totalC.labels(fairness, priority, outcome, pool, model, target).inc();
    },
    evicted(req: FlowRequest) {
      // Counted once more, after its Dispatched: a request sent, then taken back (enableEviction).
      const [fairness, priority, pool, model, target] = labels(req);
      totalC.labels(fairness, priority, "Evicted", pool, model, target).inc();
    },
  };
}
