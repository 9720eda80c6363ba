import { describe, expect, it } from "vitest";
import { formatFieldPath, formatIssue, formatValue, valueAt } from "../../src/api/manifest-issue.js";

describe("manifest issues", () => {
  it("formats field paths with indexes and quotes keys that are not identifiers", () => {
    expect(formatFieldPath(["spec", "targetPorts", 1, "number"])).toBe("spec.targetPorts[1].number");
    expect(formatFieldPath(["spec", "selector", "matchLabels", "app.kubernetes.io/name"])).toBe(
      'spec.selector.matchLabels["app.kubernetes.io/name"]',
    );
    expect(formatFieldPath([])).toBe("");
  });

  it("renders values as JSON cut to 80 characters, and absent values as (missing)", () => {
    expect(formatValue(70000)).toBe("70000");
    expect(formatValue(undefined)).toBe("(missing)");
    const long = formatValue("x".repeat(200));
    expect(long).toHaveLength(80);
    expect(long.endsWith("…")).toBe(true);
  });

  it("looks values up by path and tolerates missing steps", () => {
    const input = { spec: { targetPorts: [{ number: 1 }, { number: 2 }] } };
    expect(valueAt(input, ["spec", "targetPorts", 1, "number"])).toBe(2);
    expect(valueAt(input, ["spec", "nope", 0])).toBeUndefined();
  });

  it("formats an issue on one line, with or without a value and a position", () => {
    expect(formatIssue({ file: "p.yaml", doc: 0, field: "spec.x", value: "1", rule: "must be 2" })).toBe(
      "p.yaml#0 spec.x: 1 — must be 2",
    );
    expect(
      formatIssue({
        file: "p.yaml",
        doc: 2,
        field: "",
        value: undefined,
        rule: "invalid YAML: oops",
        line: 3,
        column: 4,
      }),
    ).toBe("p.yaml#2 line 3, column 4: invalid YAML: oops");
  });
});
