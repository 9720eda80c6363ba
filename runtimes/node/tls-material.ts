/**
 * The ext_proc listener's TLS material, as the upstream picker's flags define it: `--secure-serving`
 * turns TLS on; `--cert-path` names a directory holding tls.crt and tls.key (the upstream layout, e.g.
 * a mounted Kubernetes TLS Secret) or, with `--key-path`, a certificate file. With TLS on and no
 * certificate given, a self-signed one is made at start (in memory, EC P-256, valid one year), as
 * the upstream picker does; Envoy then has to skip verification or pin it.
 */
import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";
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
