/**
 * What a strategy actually runs, read back from the scheduler its config builds (not from the
 * config text): a config the scheduler ignored or completed with defaults shows up here, so every
 * report states the plugins and weights that made its numbers.
 */
import { createManualClock } from "../../../src/core/clock.js";
import { createSeededRandom } from "../../../src/core/random.js";
import { createScheduler } from "../../../src/scheduling/scheduler.js";
import { PoolStore } from "../../../src/state/pool-store.js";
import { benchmarkPlugins } from "../baselines/registry.js";
import type { Strategy } from "./strategies.js";

const named = (p: { type: string; name: string }) => (p.name === p.type ? p.type : `${p.name} (${p.type})`);

/**
 * One line per strategy: "name: profile default: filters a, b; scorers x x2, y x3; picker z", or the
 * client pool of kubernetes-service.
 */
export function describeStrategy(s: Strategy, connections: number): string {
  if (s.clientPool) {
    return `${s.name}: no scheduler; the client's ${connections} keep-alive connections, each bound to a random endpoint, used in turn`;
  }
  const store = new PoolStore({ clock: createManualClock(0), staleAfterMs: 2_000, expireAfterMs: 60_000 });
  const scheduler = createScheduler({
    store,
    config: s.config,
    random: createSeededRandom(0),
    registry: benchmarkPlugins,
  });
  try {
    const profiles = scheduler.profiles.map((p) => {
      const parts = [
        p.filters.length > 0 ? `filters ${p.filters.map(named).join(", ")}` : undefined,
        p.scorers.length > 0
          ? `scorers ${p.scorers.map((w) => `${named(w.scorer)} x${w.weight}`).join(", ")}`
          : undefined,
        `picker ${named(p.picker)}`,
      ].filter((x) => x !== undefined);
      return `profile ${p.name}: ${parts.join("; ")}`;
    });
    return `${s.name}: ${profiles.join(" | ")}`;
  } finally {
    scheduler.dispose();
  }
}
