/**
 * The benchmark's upstream: a minimal, fast OpenAI-shaped server. JSON requests get a fixed chat
 * completion; `"stream":true` requests get 16 SSE chunks written back to back, then [DONE].
 * Run: node --import tsx test/bench/proxy-upstream.ts [port]  (prints "listening <port>").
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const completion = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1,
  model: "bench-model",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "hello from the bench upstream" },
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
});
const chunk = (i: number) =>
  `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench-model","choices":[{"index":0,"delta":{"content":"tok${i} "},"finish_reason":null}]}\n\n`;
const usage =
  'data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"bench-model","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":16,"total_tokens":21}}\n\ndata: [DONE]\n\n';
const CHUNKS = 16;

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on("data", (d: Buffer) => parts.push(d));
  req.on("end", () => {
    const body = Buffer.concat(parts).toString();
    if (!body.includes('"stream":true')) {
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(completion),
      });
      res.end(completion);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i === CHUNKS) return void res.end(usage);
      res.write(chunk(i++));
      setImmediate(next);
    };
    next();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
