/**
 * The objects the kubernetes driver builds, checked offline by the validator the API double uses
 * (kubernetes-models for built-in kinds, the agent-sandbox CRD schemas with their CEL rules), and
 * the rules that keep user-supplied values literal and out of the workload objects.
 */
import { describe, expect, it } from "vitest";
import { validateKubeObject } from "../../../test/support/kube-validate.js";
import { httpWorkload } from "../contract-helpers.js";
import type { DesiredWorkload } from "../driver.js";
import {
  envSecret,
  podTemplate,
  pvc,
  sandbox,
  service,
  statefulSet,
  type WorkloadNames,
} from "./manifests.js";
import { InvalidReference, kubeNamespace, objectName, parseKey, workloadName } from "./names.js";
import { parseQuantity } from "./resources.js";

const settings = {
  defaultImage: "node:20-bookworm-slim",
  runtimeClass: { free: "gvisor" },
  stopGraceMs: 10_000,
};
const names: WorkloadNames = {
  namespace: "berth-0193a0c2-7c1e-7000-8000-000000000001",
  object: objectName("web", "0193a0c2-7c1e-7000-8000-000000000002", "abcd1234"),
  service: "web-1a2b3c",
  secret: "web-1a2b3c-env",
  pvc: "web-data",
  revision: "abcd1234",
};

function workload(over: Partial<DesiredWorkload> = {}): DesiredWorkload {
  const w = httpWorkload("0193a0c2-7c1e-7000-8000-000000000002/web", {
    team: "team_0193a0c27c1e",
    tier: "free",
    ...over,
  });
  w.spec = {
    ...w.spec,
    env: { GREETING: "hello $(NAME)", NAME: "$(TOKEN)" },
    values: { TOKEN: "s3cr$t-$(NAME)" },
    resources: { cpu: "250m", memory: "128Mi" },
    port: 3000,
  };
  return w;
}

describe("kubernetes manifests", () => {
  it("builds valid StatefulSets, Sandboxes of both served versions, Services, Secrets and PVCs", () => {
    const w = workload();
    const objects = [
      statefulSet(w, "dep", names, settings, 3),
      sandbox(w, "dep", names, settings, "v1beta1", true),
      sandbox(w, "dep", names, settings, "v1beta1", false),
      sandbox(w, "dep", names, settings, "v1alpha1", true),
      service(w, "dep", names),
      envSecret(w, "dep", names),
      pvc(
        "web-data",
        names.namespace,
        { "berth.dev/volume": "web" },
        { "berth.dev/volume-state": "ready" },
        { size: "1Gi" },
      ),
    ];
    for (const o of objects) expect(validateKubeObject(o), `${o.kind}`).toEqual([]);
    expect(objects[2]!.spec).toMatchObject({ operatingMode: "Suspended" });
    expect(objects[3]!.spec).toMatchObject({ replicas: 1 });
  });

  it("puts user-supplied values in the Secret only, referenced before the author's env", () => {
    const w = workload();
    const tpl = podTemplate(w, "dep", names, settings, "statefulset");
    const env = tpl.spec.containers[0].env as { name: string; value?: string; valueFrom?: unknown }[];
    expect(env.map((e) => e.name)).toEqual([
      "PORT",
      "BERTH_VOLUME_DIR",
      "BERTH_REPLICA",
      "TOKEN",
      "GREETING",
      "NAME",
    ]);
    expect(env.find((e) => e.name === "TOKEN")).toEqual({
      name: "TOKEN",
      valueFrom: { secretKeyRef: { name: "web-1a2b3c-env", key: "TOKEN" } },
    });
    expect(JSON.stringify(statefulSet(w, "dep", names, settings, 1))).not.toContain("s3cr");
    expect(envSecret(w, "dep", names).data).toEqual({
      TOKEN: Buffer.from("s3cr$t-$(NAME)").toString("base64"),
    });
    expect(tpl.spec.runtimeClassName).toBe("gvisor");
    expect(tpl.spec.containers[0].resources).toEqual({
      requests: { cpu: "250m", memory: "128Mi" },
      limits: { cpu: "250m", memory: "128Mi" },
    });
  });

  it("refuses what cannot name a Kubernetes object", () => {
    expect(kubeNamespace("0193a0c2-7c1e-7000-8000-000000000001")).toBe(
      "berth-0193a0c2-7c1e-7000-8000-000000000001",
    );
    for (const bad of ["..", ".", "", "UPPER", "a/b", "x".repeat(60)])
      expect(() => kubeNamespace(bad)).toThrow(InvalidReference);
    for (const bad of ["", "..", "Web", "1web", "a".repeat(41)])
      expect(() => workloadName(bad)).toThrow(InvalidReference);
    expect(() => parseKey("no-slash")).toThrow(InvalidReference);
    expect(() => parseKey("bad id/web")).toThrow(InvalidReference);
    expect(objectName("a".repeat(40), "dep", "rev").length).toBeLessThanOrEqual(52);
  });

  it("reads Kubernetes quantities", () => {
    expect(parseQuantity("250m")).toBeCloseTo(0.25);
    expect(parseQuantity("12345678n")).toBeCloseTo(0.012345678);
    expect(parseQuantity("64Mi")).toBe(64 * 2 ** 20);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("lots")).toBeUndefined();
  });
});
