// Fails when src/gen is out of date with proto/: regenerates into a temp dir and compares.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("../../../", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "gen-check-"));
const template = readFileSync(join(root, "proto/buf.gen.yaml"), "utf8").replace(
  /out: src\/gen/,
  `out: ${join(tmp, "gen")}`,
);
writeFileSync(join(tmp, "buf.gen.yaml"), template);
try {
  execFileSync("npx", ["buf", "generate", "proto", "--template", join(tmp, "buf.gen.yaml")], {
    cwd: root,
    stdio: "inherit",
  });
  const list = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? list(p) : [p];
    });
  const want = new Map(
    list(join(tmp, "gen")).map((p) => [relative(join(tmp, "gen"), p), readFileSync(p, "utf8")]),
  );
  const have = new Map(
    list(join(root, "src/gen")).map((p) => [relative(join(root, "src/gen"), p), readFileSync(p, "utf8")]),
  );
  const stale = [...new Set([...want.keys(), ...have.keys()])].filter((k) => want.get(k) !== have.get(k));
  if (stale.length > 0) {
    console.error(`src/gen is out of date with proto/ (run: npm run generate): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log(`src/gen is up to date (${want.size} files)`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
