import { describe, expect, it } from "vitest";
import { lookupAll, watchPushTargets } from "../../../runtimes/node/push-targets-node.js";
import { parsePushTargets } from "../../../src/push/push-targets.js";

describe("push targets on Node", () => {
  it("resolves a loopback-only name to one address: one machine, one router", async () => {
    const ips = await lookupAll("localhost");
    expect(ips).toHaveLength(1);
    expect(ips[0]).toMatch(/^(127\.|::1$)/);
  });

  it("pushes to every address of a name, and to literal URLs as they are", async () => {
    const watch = watchPushTargets(
      parsePushTargets("http://localhost:9004,http://10.0.0.9:9004", "push"),
      60_000,
      "push",
    );
    await watch.ready;
    watch.close();
    expect(watch.current().map((t) => t.url)).toEqual([
      expect.stringMatching(/^http:\/\/(127\.0\.0\.1|\[::1\]):9004$/),
      "http://10.0.0.9:9004",
    ]);
    expect(watch.current()[0]!.servername).toBe("localhost");
  });
});
