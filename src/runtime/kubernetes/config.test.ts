/** The kubernetes runtime's settings: parsed from the environment, and bad values refused by name. */
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../config.js";

describe("kubernetes settings", () => {
  it("reads the kubernetes runtime's settings", () => {
    const c = parseConfig({
      BERTH_RUNTIME: "kubernetes",
      BERTH_KUBECONFIG: "/etc/berth/kubeconfig",
      BERTH_K8S_STORAGE_CLASS: "fast-ssd",
      BERTH_K8S_INGRESS_HOST: "{name}.apps.example.com",
      BERTH_K8S_RUNTIME_CLASS: "free=gvisor,enterprise=kata",
      BERTH_K8S_ACTIVATOR: "berth.berth.svc.cluster.local:8080",
    });
    expect(c.runtime).toBe("kubernetes");
    expect(c.kubernetes).toMatchObject({
      kubeconfig: "/etc/berth/kubeconfig",
      storageClass: "fast-ssd",
      volumeSize: "1Gi",
      ingress: { hostPattern: "{name}.apps.example.com", activator: "berth.berth.svc.cluster.local:8080" },
      runtimeClass: { free: "gvisor", enterprise: "kata" },
      helperImage: "debian:bookworm-slim",
      sessionNamespace: "berth-sessions",
    });
  });

  it("refuses values that cannot name what they configure", () => {
    for (const [key, value] of [
      ["BERTH_K8S_STORAGE_CLASS", "Fast_SSD"],
      ["BERTH_K8S_INGRESS_HOST", "apps.example.com"],
      ["BERTH_K8S_RUNTIME_CLASS", "free:gvisor"],
      ["BERTH_K8S_VOLUME_SIZE", "lots"],
      ["BERTH_K8S_ACTIVATOR", "http://berth:8080"],
      ["BERTH_RUNTIME", "nomad"],
    ]) {
      expect(() => parseConfig({ [key!]: value }), key).toThrow(ConfigError);
      expect(() => parseConfig({ [key!]: value }), key).toThrow(key!);
    }
  });
});
