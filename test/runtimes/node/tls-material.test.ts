import { execFileSync } from "node:child_process";
import { pbkdf2 } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type TlsMaterial, watchTls } from "../../../runtimes/node/tls-material.js";

/** Two self-signed pairs (a.crt/a.key, b.crt/b.key) in a fresh directory; undefined without openssl. */
function makePairs(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), "tls-watch-"));
  try {
    for (const n of ["a", "b"])
      execFileSync(
        "openssl",
        [
          ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
          ...["-days", "1", "-subj", "/CN=localhost", "-keyout", join(dir, `${n}.key`)],
          ...["-out", join(dir, `${n}.crt`)],
        ],
        { stdio: "ignore" },
      );
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return dir;
}

const dir = makePairs();
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Watches `dir`'s tls.crt/tls.key every 50 ms; each event resolves the next awaited one, in order. */
function watch(d: string) {
  const queue: (TlsMaterial | string)[] = [];
  let wake: (() => void) | undefined;
  const push = (e: TlsMaterial | string) => {
    queue.push(e);
    wake?.();
  };
  const stop = watchTls(
    { secureServing: true, certPath: d, keyPath: undefined },
    { changed: push, refused: push },
    50,
  );
  const next = async (): Promise<TlsMaterial | string> => {
    while (queue.length === 0) await new Promise<void>((r) => (wake = r));
    return queue.shift()!;
  };
  return { stop, next };
}

describe.skipIf(dir === undefined)("watchTls (--enable-cert-reload)", () => {
  it("reports a change made right after the watch starts, while the thread pool is busy", async () => {
    const d = dir!;
    copyFileSync(join(d, "a.crt"), join(d, "tls.crt"));
    copyFileSync(join(d, "a.key"), join(d, "tls.key"));
    // Every thread of libuv's pool busy (as in a loaded process): fs.watchFile took its first stat
    // there, after this write, so the write became its baseline and was never reported.
    const busy = Array.from(
      { length: 4 },
      () => new Promise((r) => pbkdf2("x", "y", 200_000, 32, "sha256", r)),
    );
    const w = watch(d);
    try {
      writeFileSync(join(d, "tls.key"), "not a key\n");
      expect(await w.next()).toMatch(/do not make a pair/);
      copyFileSync(join(d, "b.key"), join(d, "tls.key"));
      copyFileSync(join(d, "b.crt"), join(d, "tls.crt"));
      // A poll may see the key before the certificate is copied: a refusal, then the pair.
      let event = await w.next();
      while (typeof event === "string") event = await w.next();
      expect(event.cert).toBe(readFileSync(join(d, "b.crt"), "utf8"));
      expect(event.source).toBe("files");
    } finally {
      w.stop();
      await Promise.all(busy);
    }
  });
});
