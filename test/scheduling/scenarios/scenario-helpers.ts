/** Builds a scheduler over a fixture, with the in-test Map prefix index. */
import { createSeededRandom } from "../../../src/core/random.js";
import { createScheduler, type Scheduler, type SchedulerOptions } from "../../../src/scheduling/scheduler.js";
import { createFixture, type EndpointSpec, type Fixture, MapPrefixIndex } from "../helpers.js";

export interface Scenario extends Fixture {
  scheduler: Scheduler;
  index: MapPrefixIndex;
}

export function scenario(specs: EndpointSpec[], options: Partial<SchedulerOptions> = {}): Scenario {
  const f = createFixture(specs);
  const index = new MapPrefixIndex();
  const scheduler = createScheduler({
    store: f.store,
    random: createSeededRandom(42),
    prefixIndexFactory: () => index,
    ...options,
  });
  return { ...f, scheduler, index };
}
