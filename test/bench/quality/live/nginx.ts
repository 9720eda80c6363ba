/**
 * nginx round-robin in front of the simulated replicas: the plain load balancer the live run compares
 * the router with. One process (`master_process off`, `daemon off`), configured from a temporary
 * directory, listening on a port the OS gave, stopped by its own pid.
 *
 * Proxying as a user would set it up for streamed completions: HTTP/1.1 with keep-alive to the
 * replicas, no response buffering (tokens pass through as they come), default round-robin over the
 * `upstream` servers, one attempt per request (no retry on another replica, as the router's
 * fallbacks would).
 */
import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stop, track, waitForHttp } from "./processes.js";

/** Where nginx is looked for (NGINX_BIN overrides). */
export function nginxBinary(): string | undefined {
  const candidates = [process.env.NGINX_BIN, "/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"];
  return candidates.find((p): p is string => p !== undefined && p !== "" && existsSync(p));
}

/** "nginx/1.22.1" as `nginx -v` prints it, or "nginx" when that fails. */
export function nginxVersion(): string {
  const bin = nginxBinary();
  if (bin === undefined) return "nginx";
  const r = spawnSync(bin, ["-v"], { encoding: "utf8" });
  return /nginx\/\S+/.exec(`${r.stderr ?? ""}${r.stdout ?? ""}`)?.[0] ?? "nginx";
}

/** The nginx.conf of a round-robin pool over `replicaPorts`, listening on 127.0.0.1:`port`. */
export function nginxConfig(dir: string, port: number, replicaPorts: readonly number[]): string {
  return `# Written by test/bench/quality/live/nginx.ts: round-robin over the simulated replicas.
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  client_body_buffer_size 1m;
  client_max_body_size 16m;
  upstream pool {
${replicaPorts.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join("\n")}
    keepalive 256;
  }
  server {
    listen 127.0.0.1:${port};
    location = /nginx-health { return 200 "ok\\n"; }
    location / {
      proxy_pass http://pool;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_next_upstream off;
      proxy_read_timeout 600s;
      proxy_send_timeout 600s;
    }
  }
}
`;
}

/** A running nginx. */
export interface Nginx {
  child: ChildProcess;
  port: number;
  /** Stops it by pid and removes its directory. */
  stop(): Promise<void>;
}

/** Starts nginx round-robin over `replicaPorts` on `port`; resolves once it answers. */
export async function startNginx(port: number, replicaPorts: readonly number[]): Promise<Nginx> {
  const bin = nginxBinary();
  if (bin === undefined) {
    throw new Error("nginx not found (looked in NGINX_BIN, /usr/sbin, /usr/local/sbin, /usr/bin)");
  }
  const dir = await mkdtemp(join(tmpdir(), "quality-live-nginx-"));
  const conf = join(dir, "nginx.conf");
  await writeFile(conf, nginxConfig(dir, port, replicaPorts));
  const child = spawn(bin, ["-p", dir, "-c", conf, "-e", join(dir, "error.log")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  track(child); // an interrupted bench stops it too
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2_000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`nginx exited with ${code}: ${stderr}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForHttp(`http://127.0.0.1:${port}/nginx-health`), exited]);
  return {
    child,
    port,
    async stop() {
      await stop(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
