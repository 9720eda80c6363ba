/**
 * The ext_proc listener's TLS material, as the upstream picker's flags define it: `--secure-serving`
 * turns TLS on; `--cert-path` names a directory holding tls.crt and tls.key (the upstream layout, e.g.
 * a mounted Kubernetes TLS Secret) or, with `--key-path`, a certificate file. With TLS on and no
 * certificate given, a self-signed one is made at start (in memory, EC P-256, valid one year), as
 * the upstream picker does; Envoy then has to skip verification or pin it. `--enable-cert-reload`
 * watches the files and swaps a changed pair in (a renewed Secret, cert-manager rotation).
 */
import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { UsageError } from "./flags.js";

/** PEM certificate and key, and where they came from (logged). */
export interface TlsMaterial {
  cert: string;
  key: string;
  source: "files" | "self-signed";
}

/** The flags involved (as parsed by runtimes/node/flags.ts). */
export interface TlsFlags {
  secureServing: boolean;
  certPath: string | undefined;
  keyPath: string | undefined;
}

function read(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const why = (err as { code?: string }).code ?? String(err);
    throw new UsageError(`${flag}: cannot read "${path}" (${why})`);
  }
}

/**
 * Undefined = plaintext h2c. Throws a UsageError (exit 2) naming the flag and the path when the files are missing
 * or the flags do not fit together.
 */
export async function resolveTls(f: TlsFlags): Promise<TlsMaterial | undefined> {
  if (f.keyPath !== undefined && f.certPath === undefined)
    throw new UsageError(`--key-path: "${f.keyPath}" given without --cert-path`);
  if (f.certPath !== undefined) {
    let isDir: boolean;
    try {
      isDir = statSync(f.certPath).isDirectory();
    } catch (err) {
      throw new UsageError(
        `--cert-path: "${f.certPath}" does not exist (${(err as { code?: string }).code})`,
      );
    }
    if (isDir) {
      if (f.keyPath !== undefined)
        throw new UsageError(
          `--key-path: not used when --cert-path is a directory ("${f.certPath}" holds tls.key)`,
        );
      return {
        cert: read(join(f.certPath, "tls.crt"), "--cert-path"),
        key: read(join(f.certPath, "tls.key"), "--cert-path"),
        source: "files",
      };
    }
    if (f.keyPath === undefined)
      throw new UsageError(
        `--cert-path: "${f.certPath}" is a file; give its key with --key-path (or a directory with tls.crt and tls.key)`,
      );
    return { cert: read(f.certPath, "--cert-path"), key: read(f.keyPath, "--key-path"), source: "files" };
  }
  if (!f.secureServing) return undefined;
  const name = hostname();
  // Loaded only when needed: the X.509 stack it brings costs ~10 MB of RSS at start.
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: name }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: name },
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private, source: "self-signed" };
}

/** The certificate and key files behind `--cert-path` (and `--key-path`). */
function tlsFiles(f: TlsFlags): [cert: string, key: string] | undefined {
  if (f.certPath === undefined) return undefined;
  return f.keyPath === undefined
    ? [join(f.certPath, "tls.crt"), join(f.certPath, "tls.key")]
    : [f.certPath, f.keyPath];
}

/** What a certificate watch reports. */
export interface TlsWatchEvents {
  /** A new, valid pair was read. */
  changed(material: TlsMaterial): void;
  /** The files changed but do not make a usable pair (half-written, mismatched): the old one stays. */
  refused(reason: string): void;
}

/** What a stat of `file` shows (identity, size, times), or its error code: a change of it is a change of the file. */
function statSignature(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (err) {
    return `error:${(err as { code?: string }).code ?? err}`;
  }
}

/**
 * Polls the certificate files (a stat every `intervalMs`: follows the symlink swaps of Kubernetes
 * Secret volumes) and reports each new pair once both files are readable and match. Returns stop().
 * The first stats are taken here, before the files are read: fs.watchFile took its baseline later,
 * on the thread pool, so a change made in the moments after the watch started (while the pool was
 * busy) became the baseline and was never reported.
 */
export function watchTls(f: TlsFlags, events: TlsWatchEvents, intervalMs = 1000): () => void {
  const files = tlsFiles(f);
  if (files === undefined) return () => {};
  let seen = files.map(statSignature);
  let last = `${readFileSync(files[0], "utf8")}\u0000${readFileSync(files[1], "utf8")}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    timer = undefined;
    let cert: string;
    let key: string;
    try {
      cert = readFileSync(files[0], "utf8");
      key = readFileSync(files[1], "utf8");
    } catch (err) {
      return events.refused(`cannot read the certificate files (${(err as { code?: string }).code ?? err})`);
    }
    if (`${cert}\u0000${key}` === last) return;
    try {
      createSecureContext({ cert, key });
    } catch (err) {
      return events.refused(`the new certificate and key do not make a pair: ${(err as Error).message}`);
    }
    last = `${cert}\u0000${key}`;
    events.changed({ cert, key, source: "files" });
  };
  const poll = setInterval(() => {
    const now = files.map(statSignature);
    if (now[0] === seen[0] && now[1] === seen[1]) return;
    seen = now;
    // Both files of a pair change within moments of each other: wait a little before reading them.
    if (timer === undefined) timer = setTimeout(check, 200);
  }, intervalMs);
  poll.unref();
  return () => {
    clearInterval(poll);
    if (timer !== undefined) clearTimeout(timer);
  };
}
