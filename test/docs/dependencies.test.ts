import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const page = readFileSync(new URL("docs/dependencies.md", root), "utf8");

/** Names a table row gives: `@s/a`, `-b` stands for `@s/b` (the scope written once, as for @opentelemetry). */
function named(section: string): Set<string> {
  const out = new Set<string>();
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cell = line.split("|")[1]!;
    let base = "";
    for (const m of cell.matchAll(/`([^`]+)`/g)) {
      const name = m[1]!;
      if (name.startsWith("-")) out.add(base.slice(0, base.indexOf("/") + 1) + name.slice(1));
      else {
        out.add(name);
        base = name;
      }
    }
  }
  return out;
}

describe("docs/dependencies.md", () => {
  const [runtime, dev] = page.split("## Development");
  it("says why each runtime dependency is there, and names none that is gone", () => {
    expect([...named(runtime!)].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });
  it("says why each devDependency is there, and names none that is gone", () => {
    expect([...named(dev!)].sort()).toEqual(Object.keys(pkg.devDependencies).sort());
  });
});
