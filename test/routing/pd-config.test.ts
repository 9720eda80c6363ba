/** The P/D example config runs both of its profiles; a broken P/D config is refused naming file, field and value. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { schedulerConfigFor } from "../../src/routing/scheduler-config-ref.js";

const dir = "runtimes/node/examples/pd";

function load(edit: (file: string, text: string) => string = (_f, t) => t): RouterResources {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => ({ path: join(dir, f), text: edit(f, readFileSync(join(dir, f), "utf8")) }));
  const parsed = parseManifests(files);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return parsed.resources;
}

const core = (r: RouterResources) =>
  createRouterCore(r, { clock: createManualClock(0), random: createSeededRandom(1) });

describe("a P/D EndpointPickerConfig", () => {
  it("runs every profile of a config with disagg-profile-handler (not only the first)", () => {
    const r = load();
    expect(schedulerConfigFor(r)?.schedulingProfiles.map((p) => p.name)).toEqual(["decode", "prefill"]);
    const c = core(r);
    expect(c.scheduler.profiles.map((p) => p.name)).toEqual(["decode", "prefill"]);
    c.dispose();
  });

  it("a missing profile or an unknown decider is refused naming the file, the field and the value", () => {
    const missing = load((f, t) =>
      f === "scheduler.yaml" ? t.replace("prefill: prefill", "prefill: prefil") : t,
    );
    expect(() => core(missing)).toThrow(
      `EndpointPickerConfig pd-scheduler (${dir}/scheduler.yaml#0): plugin "disagg-profile-handler": parameters.profiles.prefill: "prefil" names no profile in schedulingProfiles (declared: "decode", "prefill")`,
    );
    const unknown = load((f, t) =>
      f === "scheduler.yaml" ? t.replace("prefill: prefix-based-pd-decider", "prefill: nope") : t,
    );
    expect(() => core(unknown)).toThrow(
      /scheduler\.yaml#0\): .*parameters\.deciders\.prefill: "nope" names no declared plugin/,
    );
  });
});
