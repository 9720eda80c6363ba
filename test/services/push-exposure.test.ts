import { describe, expect, it } from "vitest";
import { pushExposureProblem } from "../../src/services/push-exposure.js";

describe("pushExposureProblem", () => {
  it("refuses an unauthenticated push API beyond loopback, naming the settings that allow it", () => {
    const problem = pushExposureProblem({ host: "0.0.0.0", pushToken: false, allowUnauthenticated: false });
    expect(problem).toMatch(/^--host 0\.0\.0\.0: pushes would need no token/);
    expect(problem).toContain("--allow-unauthenticated-push");
    expect(problem).toContain("pushTokenFile");
  });

  it("allows loopback, a push token, or the operator's explicit consent", () => {
    for (const host of ["127.0.0.1", "::1", "[::1]", "localhost"])
      expect(pushExposureProblem({ host, pushToken: false, allowUnauthenticated: false })).toBeUndefined();
    expect(
      pushExposureProblem({ host: "0.0.0.0", pushToken: true, allowUnauthenticated: false }),
    ).toBeUndefined();
    expect(
      pushExposureProblem({ host: "10.0.0.5", pushToken: false, allowUnauthenticated: true }),
    ).toBeUndefined();
  });
});
