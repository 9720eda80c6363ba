/** The text `inference-router demo` prints: where things run and curl commands that work as printed. */

/** What the banner describes. */
export interface DemoBannerInput {
  host: string;
  httpPort: number;
  apiPort: number;
  pool: string;
  /** Replica addresses ("ip:port"). */
  replicas: readonly string[];
}

const quote = (value: unknown) => `'${JSON.stringify(value)}'`;
const messages = [{ role: "user", content: "Tell me about inference routing." }];

/** The curl commands, one per entry: [what it shows, command]. */
export function demoCommands(o: DemoBannerInput): [string, string][] {
  const http = `http://${o.host}:${o.httpPort}`;
  const api = `http://${o.host}:${o.apiPort}/inferencerouter.v1.PoolStateService`;
  const json = "-H 'content-type: application/json'";
  return [
    [
      "A chat completion (demo-model is served by demo-model-v1 90% and demo-model-v2 10% of the time; -i shows x-inference-endpoint)",
      `curl -si ${http}/v1/chat/completions ${json} -d ${quote({ model: "demo-model", messages, max_tokens: 24 })}`,
    ],
    [
      "The same, streamed token by token (SSE)",
      `curl -sN ${http}/v1/chat/completions ${json} -d ${quote({ model: "demo-model", messages, max_tokens: 24, stream: true })}`,
    ],
    [
      "Explain: which replica the scheduler would pick for this request, and every plugin's score",
      `curl -s ${api}/Explain ${json} -d ${quote({ pool: o.pool, model: "demo-model", messages })}`,
    ],
    [
      "GetPool: the state the replicas pushed (queue, KV cache, in-flight requests)",
      `curl -s ${api}/GetPool ${json} -d ${quote({ pool: o.pool })}`,
    ],
  ];
}

/** The whole banner. */
export function demoBanner(o: DemoBannerInput): string {
  const lines = [
    "",
    "inference-router demo is up:",
    `  OpenAI-compatible router  http://${o.host}:${o.httpPort}/v1  (models: curl -s http://${o.host}:${o.httpPort}/v1/models)`,
    `  Connect API               http://${o.host}:${o.apiPort}`,
    `  pool "${o.pool}"          ${o.replicas.length} simulated replicas: ${o.replicas.join(", ")}`,
    "",
    "Try:",
  ];
  for (const [what, command] of demoCommands(o)) lines.push(`  # ${what}`, `  ${command}`, "");
  lines.push("Ctrl-C stops the router and the replicas.", "");
  return lines.join("\n");
}
