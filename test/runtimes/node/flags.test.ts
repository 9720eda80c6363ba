import { describe, expect, it } from "vitest";
import { type FlagSpec, formatHelp, parseFlags, UsageError } from "../../../runtimes/node/flags.js";
import { serveFlags } from "../../../runtimes/node/serve-flags.js";
import { listenHelp, routerDefaults } from "../../../src/api/router-config.js";

const specs: FlagSpec[] = [
  { name: "secure-serving", type: "boolean", help: "tls" },
  { name: "api-port", type: "port", default: "9004", help: "port" },
  { name: "extproc-port", type: "port", help: "ext_proc", aliases: ["grpc-port"] },
  { name: "pool-name", type: "string", help: "pool" },
];

describe("parseFlags", () => {
  it("takes booleans bare or Go-style with =true / =false, as upstream command lines write them", () => {
    expect(parseFlags(specs, ["--secure-serving"], {}).values["secure-serving"]).toBe(true);
    expect(parseFlags(specs, ["--secure-serving=false"], {}).values["secure-serving"]).toBe(false);
    expect(parseFlags(specs, ["--secure-serving=true"], {}).values["secure-serving"]).toBe(true);
    expect(parseFlags(specs, [], {}).values["secure-serving"]).toBeUndefined();
  });

  it("lets a flag win over its environment twin, and reads the twin otherwise", () => {
    const env = { INFERENCE_ROUTER_SECURE_SERVING: "true", INFERENCE_ROUTER_POOL_NAME: "p" };
    expect(parseFlags(specs, ["--secure-serving=false"], env).values).toMatchObject({
      "secure-serving": false,
      "pool-name": "p",
    });
    expect(parseFlags(specs, [], env).values["secure-serving"]).toBe(true);
  });

  it("refuses a bad value naming the flag and the value", () => {
    expect(() => parseFlags(specs, ["--secure-serving=maybe"], {})).toThrow(UsageError);
    expect(() => parseFlags(specs, ["--secure-serving=maybe"], {})).toThrow(
      '--secure-serving: "maybe" must be true or false',
    );
    expect(() => parseFlags(specs, ["--api-port", "70000"], {})).toThrow(
      '--api-port: "70000" must be an integer between 0 and 65535',
    );
    expect(() => parseFlags(specs, ["--no-such-flag"], {})).toThrow(UsageError);
  });

  it("takes the upstream picker's name for a flag, refuses both names at once, and shows the alias in help", () => {
    expect(parseFlags(specs, ["--grpc-port", "9100"], {}).values["extproc-port"]).toBe(9100);
    expect(parseFlags(specs, ["--grpc-port=9101"], {}).values["extproc-port"]).toBe(9101);
    expect(() => parseFlags(specs, ["--grpc-port", "1", "--extproc-port", "2"], {})).toThrow(
      "--extproc-port and --grpc-port are the same flag",
    );
    expect(() => parseFlags(specs, ["--grpc-port", "99999"], {})).toThrow('--extproc-port: "99999"');
    expect(formatHelp("x", "y", specs)).toContain("env INFERENCE_ROUTER_EXTPROC_PORT; also --grpc-port");
  });

  it("keeps = values of non-boolean flags as values", () => {
    expect(parseFlags(specs, ["--pool-name=a=b"], {}).values["pool-name"]).toBe("a=b");
  });
});

describe("serve's listener flags", () => {
  it("take their defaults and help from RouterConfig spec.listen", () => {
    const apiPort = serveFlags.find((f) => f.name === "api-port")!;
    expect(apiPort.default).toBe(String(routerDefaults.listen.apiPort));
    expect(apiPort.help).toContain(listenHelp.apiPort);
    expect(serveFlags.find((f) => f.name === "extproc-port")!.aliases).toEqual(["grpc-port"]);
    const help = formatHelp("serve", "s", serveFlags);
    expect(help).toMatch(
      /--metrics-port <port>\s+Prometheus \/metrics, \/healthz, \/readyz \(RouterConfig spec.listen.metricsPort\) \(default 9090\)/,
    );
  });
});
