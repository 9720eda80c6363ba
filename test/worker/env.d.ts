// The worker's bindings as `env` from "cloudflare:test" sees them.
import type { Env as WorkerEnv } from "../../runtimes/worker/env.js";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
  }
}
