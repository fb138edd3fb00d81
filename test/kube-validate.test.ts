/**
 * The offline validator of Kubernetes objects (test/support/kube-validate.ts): valid objects of
 * every kind berth sends pass; each kind of mistake a real API server refuses fails with a message
 * naming the field.
 */
import { describe, expect, it } from "vitest";
import { describeInvalid, validateKubeObject } from "./support/kube-validate.js";

const labels = { "berth.dev/team": "t1", "berth.dev/deployment": "d-1" };
const container = {
  name: "app",
  image: "registry.local/app:1",
  command: ["node"],
  args: ["server.js"],
  env: [{ name: "PORT", value: "8080" }],
  ports: [{ name: "http", containerPort: 8080 }],
  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  volumeMounts: [{ name: "data", mountPath: "/data" }],
  readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2 },
};
const podSpec = { containers: [container], runtimeClassName: "gvisor" };
const claim = {
  metadata: { name: "data" },
  spec: {
    accessModes: ["ReadWriteOnce"],
    storageClassName: "fast",
    resources: { requests: { storage: "1Gi" } },
  },
};

const sandboxV1beta1 = () =>
  structuredClone({
    apiVersion: "agents.x-k8s.io/v1beta1",
    kind: "Sandbox",
    metadata: { name: "d-1-web", namespace: "team-t1", labels },
    spec: {
      operatingMode: "Running",
      podTemplate: { metadata: { labels }, spec: podSpec },
      volumeClaimTemplates: [claim],
    },
  });

const valid: Record<string, unknown> = {
  Namespace: { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-t1", labels } },
  Pod: {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "team-t1" },
    spec: { ...podSpec, volumes: [{ name: "data", emptyDir: {} }] },
  },
  StatefulSet: {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "d-1-web", namespace: "team-t1", labels, annotations: { "berth.dev/restart": "3" } },
    spec: {
      replicas: 0,
      serviceName: "d-1-web",
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec },
      volumeClaimTemplates: [claim],
    },
  },
  Service: {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "d-1-web", namespace: "team-t1" },
    spec: { selector: labels, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  },
  PersistentVolumeClaim: {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "data-restore-1", namespace: "team-t1" },
    spec: {
      ...claim.spec,
      dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap-1" },
    },
  },
  Ingress: {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "d-1-web", namespace: "team-t1" },
    spec: {
      ingressClassName: "nginx",
      tls: [{ hosts: ["d-1.apps.example.com"], secretName: "wildcard-tls" }],
      rules: [
        {
          host: "d-1.apps.example.com",
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: "d-1-web", port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  },
  Job: {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "archive-b1", namespace: "team-t1" },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          ...podSpec,
          restartPolicy: "Never",
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-d-1-web-0" } }],
        },
      },
    },
  },
  Lease: {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: "berth-reconciler", namespace: "berth" },
    spec: { holderIdentity: "berth-0", leaseDurationSeconds: 15, acquireTime: "2026-11-30T16:00:00.000000Z" },
  },
  SandboxV1beta1: sandboxV1beta1(),
  SandboxV1alpha1: {
    apiVersion: "agents.x-k8s.io/v1alpha1",
    kind: "Sandbox",
    metadata: { name: "d-1-web", namespace: "team-t1" },
    spec: { replicas: 0, podTemplate: { spec: podSpec }, volumeClaimTemplates: [claim] },
  },
  VolumeSnapshot: {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshot",
    metadata: { name: "snap-1", namespace: "team-t1" },
    spec: { volumeSnapshotClassName: "csi-snap", source: { persistentVolumeClaimName: "data-d-1-web-0" } },
  },
  VolumeSnapshotClass: {
    apiVersion: "snapshot.storage.k8s.io/v1",
    kind: "VolumeSnapshotClass",
    metadata: { name: "csi-snap" },
    driver: "hostpath.csi.k8s.io",
    deletionPolicy: "Delete",
  },
};

describe("validateKubeObject: valid objects pass", () => {
  for (const [name, obj] of Object.entries(valid)) {
    it(name, () => expect(validateKubeObject(obj)).toEqual([]));
  }
});

describe("validateKubeObject: built-in kinds", () => {
  it("refuses a field the kind does not declare", () => {
    const pod = structuredClone(valid.Pod) as { spec: { containers: Record<string, unknown>[] } };
    pod.spec.containers[0]!.bogus = true;
    expect(validateKubeObject(pod)).toEqual(['unknown field "spec.containers[0].bogus"']);
  });

  it("refuses a wrong type and a bad quantity", () => {
    const sts = structuredClone(valid.StatefulSet) as {
      spec: {
        replicas: unknown;
        template: { spec: { containers: { resources: { limits: Record<string, unknown> } }[] } };
      };
    };
    sts.spec.replicas = "2";
    sts.spec.template.spec.containers[0]!.resources.limits.cpu = "lots";
    const errors = validateKubeObject(sts);
    expect(errors).toContainEqual(expect.stringMatching(/^spec\.replicas: Invalid value: must be integer/));
    expect(errors).toContainEqual(
      expect.stringMatching(
        /^spec\.template\.spec\.containers\[0\]\.resources\.limits\.cpu: Invalid value: .*quantity/,
      ),
    );
  });

  it("refuses names, labels and annotations the server refuses", () => {
    const ns = {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "Team_1", labels: { "berth.dev/x": "a".repeat(64) } },
    };
    const errors = validateKubeObject(ns);
    expect(errors).toContainEqual(
      expect.stringMatching(/^metadata\.name: Invalid value: "Team_1": a lowercase RFC 1123 label/),
    );
    expect(errors).toContainEqual(
      expect.stringMatching(/^metadata\.labels\.berth\.dev\/x: .*must be no more than 63 characters/),
    );
    const svc = structuredClone(valid.Service) as { metadata: { name: string } };
    svc.metadata.name = "1web";
    expect(validateKubeObject(svc)).toEqual([
      expect.stringMatching(/^metadata\.name: Invalid value: "1web": a DNS-1035 label/),
    ]);
    expect(validateKubeObject({ apiVersion: "v1", kind: "Namespace", metadata: {} })).toEqual([
      "metadata.name: Required value: name or generateName is required",
    ]);
  });

  it("refuses a pod spec the server refuses: no image, a mount of no volume, a long port name", () => {
    const pod = structuredClone(valid.Pod) as {
      spec: { containers: Record<string, unknown>[]; volumes: unknown[] };
    };
    delete pod.spec.containers[0]!.image;
    pod.spec.volumes = [];
    (pod.spec.containers[0]!.ports as { name: string }[])[0]!.name = "a-very-long-port-name";
    expect(validateKubeObject(pod)).toEqual([
      "spec.containers[0].image: Required value",
      'spec.containers[0].volumeMounts[0].name: Not found: "data"',
      'spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters',
    ]);
  });

  it("refuses a selector that does not match the template and a Job that restarts in place", () => {
    const sts = structuredClone(valid.StatefulSet) as {
      spec: { selector: { matchLabels: Record<string, string> } };
    };
    sts.spec.selector.matchLabels = { "berth.dev/deployment": "other" };
    expect(validateKubeObject(sts)).toEqual([
      "spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`",
    ]);
    const job = structuredClone(valid.Job) as { spec: { template: { spec: { restartPolicy?: string } } } };
    delete job.spec.template.spec.restartPolicy;
    expect(validateKubeObject(job)).toEqual([
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  it("refuses a Secret key the server refuses", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "web-env", namespace: "team-t1" },
      type: "Opaque",
      stringData: { GREETING: "hi", "a b": "x" },
    };
    expect(validateKubeObject(secret)).toEqual([
      `stringData[a b]: Invalid value: "a b": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
    ]);
  });

  it("refuses a StatefulSet name too long for its pods' revision-hash label", () => {
    const sts = structuredClone(valid.StatefulSet) as { metadata: { name: string } };
    sts.metadata.name = "a".repeat(52);
    expect(validateKubeObject(sts)).toEqual([]);
    sts.metadata.name = "a".repeat(53);
    expect(validateKubeObject(sts)).toEqual([
      expect.stringMatching(/^metadata\.name: .*no more than 52 characters/),
    ]);
  });

  it("refuses a kind it has no schema for instead of passing it", () => {
    expect(
      validateKubeObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
    ).toEqual(['no schema for kind "Widget" in version "example.com/v1"']);
    expect(validateKubeObject({ kind: "Pod" })).toEqual(["apiVersion: Required value"]);
  });
});

describe("validateKubeObject: custom kinds (CRDs)", () => {
  it("refuses a v1alpha1 field (spec.replicas) on a v1beta1 Sandbox, which a server would drop", () => {
    const sb = sandboxV1beta1() as { spec: Record<string, unknown> };
    sb.spec.replicas = 0;
    expect(validateKubeObject(sb)).toEqual(['unknown field "spec.replicas"']);
  });

  it("refuses an unknown field deep in the pod template and a wrong type", () => {
    const sb = sandboxV1beta1() as unknown as {
      spec: { operatingMode: string; podTemplate: { spec: { containers: Record<string, unknown>[] } } };
    };
    sb.spec.podTemplate.spec.containers[0]!.imagePullSecret = "x";
    sb.spec.operatingMode = "Paused";
    const errors = validateKubeObject(sb);
    expect(errors).toContain('unknown field "spec.podTemplate.spec.containers[0].imagePullSecret"');
    expect(errors).toContain(
      'spec.operatingMode: Unsupported value: supported values: "Running", "Suspended"',
    );
    const alpha = structuredClone(valid.SandboxV1alpha1) as { spec: Record<string, unknown> };
    alpha.spec.replicas = "1";
    expect(validateKubeObject(alpha)).toEqual(["spec.replicas: Invalid value: must be integer"]);
    alpha.spec.replicas = 2;
    expect(validateKubeObject(alpha)).toEqual(["spec.replicas: Invalid value: must be <= 1"]);
  });

  it("refuses a version the CRD does not serve", () => {
    const snap = { ...(valid.VolumeSnapshot as object), apiVersion: "snapshot.storage.k8s.io/v1beta1" };
    expect(validateKubeObject(snap)).toEqual([
      'no matches for kind "VolumeSnapshot" in version "snapshot.storage.k8s.io/v1beta1" (not served by its CRD)',
    ]);
  });

  it("evaluates CEL rules: an empty class name, both or neither source", () => {
    const snap = structuredClone(valid.VolumeSnapshot) as {
      spec: { volumeSnapshotClassName: string; source: Record<string, string> };
    };
    snap.spec.volumeSnapshotClassName = "";
    snap.spec.source.volumeSnapshotContentName = "content-1";
    expect(validateKubeObject(snap)).toEqual([
      "spec.source: Invalid value: exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set",
      "spec.volumeSnapshotClassName: Invalid value: volumeSnapshotClassName must not be the empty string when set",
    ]);
    snap.spec.volumeSnapshotClassName = "csi-snap";
    snap.spec.source = {};
    expect(validateKubeObject(snap)).toEqual([
      "spec.source: Invalid value: exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set",
    ]);
  });

  it("evaluates transition rules only on an update: immutable fields", () => {
    const before = sandboxV1beta1();
    const after = sandboxV1beta1() as unknown as { spec: { volumeClaimTemplates: (typeof claim)[] } };
    after.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage = "2Gi";
    expect(validateKubeObject(after)).toEqual([]);
    expect(validateKubeObject(after, before)).toEqual([
      "spec: Invalid value: volumeClaimTemplates is immutable",
    ]);
    const snap = structuredClone(valid.VolumeSnapshot) as { spec: { source: Record<string, string> } };
    const moved = structuredClone(snap);
    moved.spec.source.persistentVolumeClaimName = "other";
    expect(validateKubeObject(moved, snap)).toEqual([
      "spec.source.persistentVolumeClaimName: Invalid value: persistentVolumeClaimName is immutable",
    ]);
  });

  it("checks a Sandbox's pod template as the Pod the controller will create", () => {
    const sb = sandboxV1beta1() as unknown as { spec: { volumeClaimTemplates: unknown[] } };
    sb.spec.volumeClaimTemplates = [];
    expect(validateKubeObject(sb)).toEqual([
      'spec.podTemplate.spec.containers[0].volumeMounts[0].name: Not found: "data"',
    ]);
  });
});

describe("describeInvalid", () => {
  it("formats errors as the API server's Status message", () => {
    expect(describeInvalid(sandboxV1beta1(), ["a", "b"])).toBe(
      'Sandbox.agents.x-k8s.io "d-1-web" is invalid: [a, b]',
    );
    expect(describeInvalid(valid.Pod, ["x"])).toBe('Pod "p" is invalid: [x]');
  });
});
