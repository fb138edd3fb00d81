import { describe, expect, it } from "vitest";
import { parseConfig } from "../../config.js";
import { parseImageRef, pullReference, registryHost, registryOf } from "./image-ref.js";

describe("image references", () => {
  it("names registries as credentials do: host[:port], lowercase, Docker Hub as docker.io", () => {
    expect(registryHost("GHCR.io")).toBe("ghcr.io");
    expect(registryHost("127.0.0.1:5000")).toBe("127.0.0.1:5000");
    for (const hub of ["docker.io", "index.docker.io", "registry-1.docker.io"])
      expect(registryHost(hub)).toBe("docker.io");
    for (const bad of [
      "",
      "not a host",
      "-x.example",
      "h/path",
      "h:port",
      "https://ghcr.io",
      "a".repeat(256),
    ])
      expect(registryHost(bad), bad).toBeUndefined();
    expect(registryOf(pullReference("nginx", undefined))).toBe("docker.io");
    expect(registryOf(pullReference("nginx", "127.0.0.1:5000"))).toBe("127.0.0.1:5000");
    expect(registryOf("Registry.Example.com:5000/app:v1")).toBe("registry.example.com:5000");
  });

  it("sends Docker Hub references to the mirror and leaves other registries alone", () => {
    expect(pullReference("nginx", "127.0.0.1:5000")).toBe("127.0.0.1:5000/library/nginx:latest");
    expect(pullReference("docker.io/library/postgres:16", "m.example.com/hub")).toBe(
      "m.example.com/hub/library/postgres:16",
    );
    expect(pullReference("bitnami/redis:7", "m:1")).toBe("m:1/bitnami/redis:7");
    expect(pullReference("nginx:1.27", undefined)).toBe("docker.io/library/nginx:1.27");
    expect(pullReference("registry.example.com/app:v1.2.3", "m:1")).toBe("registry.example.com/app:v1.2.3");
    expect(pullReference("localhost/app", "m:1")).toBe("localhost/app:latest");
    const digest = `sha256:${"a".repeat(64)}`;
    expect(pullReference(`ghcr.io/o/app@${digest}`, undefined)).toBe(`ghcr.io/o/app@${digest}`);
  });

  it("refuses what is not a reference", () => {
    for (const bad of [
      "",
      "UPPER",
      "a b",
      "nginx:",
      "-x",
      "x/../y",
      "x:tag;rm",
      "a".repeat(256),
      "http://x/y",
    ]) {
      expect(parseImageRef(bad), bad).toBeUndefined();
    }
  });

  it("validates BERTH_RUNTIME, DOCKER_HOST and BERTH_REGISTRY_MIRROR at start", () => {
    const ok = parseConfig({
      BERTH_RUNTIME: "container",
      DOCKER_HOST: "unix:///run/podman.sock",
      BERTH_REGISTRY_MIRROR: "127.0.0.1:5000",
    });
    expect(ok.runtime).toBe("container");
    expect(ok.container).toEqual({ dockerHost: "unix:///run/podman.sock", registryMirror: "127.0.0.1:5000" });
    expect(() => parseConfig({ BERTH_RUNTIME: "docker" })).toThrow(/BERTH_RUNTIME/);
    expect(() => parseConfig({ DOCKER_HOST: "/run/x.sock" })).toThrow(/DOCKER_HOST/);
    expect(() => parseConfig({ BERTH_REGISTRY_MIRROR: "https://mirror" })).toThrow(/BERTH_REGISTRY_MIRROR/);
  });
});
