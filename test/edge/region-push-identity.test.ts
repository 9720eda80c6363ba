import { describe, expect, it } from "vitest";
import { RouterError } from "../../src/core/errors.js";
import {
  EDGE_BASE_URL_ENV,
  EDGE_LOCATION_ENV,
  regionIdentityFrom,
} from "../../src/edge/region-push-identity.js";

const listener = { host: "0.0.0.0", port: 8080 };
const config = {
  baseUrl: "https://eu.example.com",
  location: { latitude: 50.1, longitude: 8.7, continent: "eu", colos: ["fra"] },
};

describe("regionIdentityFrom", () => {
  it("takes the base URL from the environment over the config over the listener", () => {
    const env = { [EDGE_BASE_URL_ENV]: "http://10.0.0.9:8080" };
    expect(regionIdentityFrom({ region: "eu", env, config, listener }).baseUrl).toBe("http://10.0.0.9:8080");
    expect(regionIdentityFrom({ region: "eu", env: {}, config, listener }).baseUrl).toBe(
      "https://eu.example.com",
    );
    expect(regionIdentityFrom({ region: "eu", env: {}, listener }).baseUrl).toBe("http://127.0.0.1:8080");
  });

  it("counts an empty variable as unset", () => {
    const env = { [EDGE_BASE_URL_ENV]: "", [EDGE_LOCATION_ENV]: "" };
    const id = regionIdentityFrom({ region: "eu", env, config, listener });
    expect(id.baseUrl).toBe("https://eu.example.com");
    expect(id.location).toEqual({ latitude: 50.1, longitude: 8.7, continent: "EU", colos: ["FRA"] });
  });

  it("reaches a wildcard listener on loopback and brackets an IPv6 one", () => {
    expect(regionIdentityFrom({ region: "r", env: {}, listener: { host: "::", port: 1 } }).baseUrl).toBe(
      "http://127.0.0.1:1",
    );
    expect(
      regionIdentityFrom({ region: "r", env: {}, listener: { host: "fd00::5", port: 80 } }).baseUrl,
    ).toBe("http://[fd00::5]:80");
  });

  it("takes the location from the environment over the config, upper-casing the config's codes", () => {
    const env = { [EDGE_LOCATION_ENV]: "latitude=40.7,longitude=-74,continent=NA,colos=EWR" };
    expect(regionIdentityFrom({ region: "us", env, config, listener }).location).toEqual({
      latitude: 40.7,
      longitude: -74,
      continent: "NA",
      colos: ["EWR"],
    });
    expect(regionIdentityFrom({ region: "eu", env: {}, config, listener })).toEqual({
      region: "eu",
      baseUrl: "https://eu.example.com",
      location: { latitude: 50.1, longitude: 8.7, continent: "EU", colos: ["FRA"] },
    });
  });

  it("has no location when neither the environment nor the config gives one", () => {
    expect(regionIdentityFrom({ region: "r", env: {}, listener }).location).toEqual({
      continent: "",
      colos: [],
    });
  });

  it("refuses a missing base URL and a malformed location, naming the variable", () => {
    const missing = () => regionIdentityFrom({ region: "r", env: {} });
    expect(missing).toThrow(RouterError);
    expect(missing).toThrow(`edge.push needs this region's public URL: set ${EDGE_BASE_URL_ENV}`);
    const env = { [EDGE_LOCATION_ENV]: "lat=1" };
    expect(() => regionIdentityFrom({ region: "r", env, listener })).toThrow(
      /^INFERENCE_ROUTER_EDGE_LOCATION: location: unknown key "lat"/,
    );
  });
});
