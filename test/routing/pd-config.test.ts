/** The P/D example config runs both of its profiles; a broken P/D config is refused naming file, field and value. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../src/api/parse-manifests.js";
import type { RouterResources } from "../../src/api/resources.js";
import { createManualClock } from "../../src/core/clock.js";
import { createSeededRandom } from "../../src/core/random.js";
import { createRouterCore } from "../../src/routing/router-core.js";
import { schedulerConfigFor } from "../../src/routing/scheduler-config-ref.js";

const file = "runtimes/node/examples/pd.yaml";

function load(edit: (text: string) => string = (t) => t): RouterResources {
  const parsed = parseManifests([{ path: file, text: edit(readFileSync(file, "utf8")) }]);
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
    const missing = load((t) => t.replace("prefill: prefill", "prefill: prefil"));
    expect(() => core(missing)).toThrow(
      `EndpointPickerConfig pd-scheduler (${file}#1): plugin "disagg-profile-handler": parameters.profiles.prefill: "prefil" names no profile in schedulingProfiles (declared: "decode", "prefill")`,
    );
    const unknown = load((t) => t.replace("prefill: prefix-based-pd-decider", "prefill: nope"));
    expect(() => core(unknown)).toThrow(
      /pd\.yaml#1\): .*parameters\.deciders\.prefill: "nope" names no declared plugin/,
    );
  });
});
