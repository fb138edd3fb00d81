/**
 * Builds the Kubernetes objects of a workload: its pod template (command, env, probe, resources,
 * volume, runtimeClassName per tier), the StatefulSet or agent-sandbox Sandbox that runs it, its
 * Service, the Secret holding the values a user supplied, and PVCs. Pure functions of the desired
 * workload and the driver's settings.
 *
 * Env order (Kubernetes expands `$(VAR)` in `value`s and args against the entries before it, `$$`
 * being a literal `$` — the same rule as the local runtime's): berth's own vars (PORT,
 * BERTH_VOLUME_DIR, BERTH_REPLICA), then the user-supplied values from the Secret (secretKeyRef
 * values are never expanded, and never appear in the StatefulSet or Sandbox), then the author's env.
 */
import type { DesiredWorkload, ResolvedWorkloadSpec } from "../driver.js";
import type { KubeObject } from "./kube-client.js";
import { A, L, MANAGED_BY } from "./names.js";

export const CONTAINER = "workload";
/** Every pod berth creates: the container runtime's default seccomp profile. */
export const POD_SECURITY = { seccompProfile: { type: "RuntimeDefault" } };
export const DEFAULT_PORT = 8080;

export interface ManifestSettings {
  /** Image of a workload given as a command (no image of its own). */
  defaultImage: string;
  /** runtimeClassName per team tier (e.g. gVisor for free); none when the tier is not listed. */
  runtimeClass: Record<string, string>;
  stopGraceMs: number;
}

export interface WorkloadNames {
  namespace: string;
  object: string;
  service: string;
  secret: string;
  pvc: string;
  revision: string;
}

function baseLabels(w: DesiredWorkload, deploymentId: string): Record<string, string> {
  return {
    [MANAGED_BY]: "berth",
    [L.namespace]: w.namespace,
    ...(w.team ? { [L.team]: w.team } : {}),
    [L.deployment]: deploymentId,
    [L.workload]: w.name,
  };
}

/**
 * The metadata of an object that belongs to a workload: berth's labels with role `workload` and
 * the workload's key. With `revision` (the objects a spec change rolls: pod template, StatefulSet,
 * Sandbox) also the revision label and the spec hash the driver compares for drift.
 */
export function workloadMeta(
  w: DesiredWorkload,
  deploymentId: string,
  at: { name: string; namespace?: string; revision?: string },
): KubeObject["metadata"] {
  const rolled = at.revision !== undefined;
  return {
    name: at.name,
    ...(at.namespace !== undefined ? { namespace: at.namespace } : {}),
    labels: {
      ...baseLabels(w, deploymentId),
      [L.role]: "workload",
      ...(rolled ? { [L.revision]: at.revision! } : {}),
    },
    annotations: { [A.key]: w.key, ...(rolled ? { [A.specHash]: w.specHash } : {}) },
  };
}

/** The pod template every replica of the workload runs. */
export function podTemplate(
  w: DesiredWorkload,
  deploymentId: string,
  n: WorkloadNames,
  s: ManifestSettings,
  replicaIndex: "statefulset" | "single",
): KubeObject {
  const spec = w.spec;
  const port = spec.port ?? DEFAULT_PORT;
  const mountPath = spec.mountPath ?? "/data";
  const runtimeClassName = w.tier ? s.runtimeClass[w.tier] : undefined;
  const container: Record<string, unknown> = {
    name: CONTAINER,
    image: spec.image ?? s.defaultImage,
    ...(spec.command ? { command: [spec.command] } : {}),
    ...(spec.args.length > 0 ? { args: spec.args } : {}),
    env: env(spec, port, mountPath, n.secret, replicaIndex),
    ...(spec.listens ? { ports: [{ name: "http", containerPort: port, protocol: "TCP" }] } : {}),
    ...probe(spec),
    ...resources(spec),
    volumeMounts: [{ name: "data", mountPath }],
    securityContext: { allowPrivilegeEscalation: false, privileged: false },
  };
  return {
    metadata: workloadMeta(w, deploymentId, { name: "", revision: n.revision }),
    spec: {
      ...(runtimeClassName ? { runtimeClassName } : {}),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: POD_SECURITY,
      terminationGracePeriodSeconds: Math.ceil(s.stopGraceMs / 1000),
      containers: [container],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: n.pvc } }],
    },
  };
}

function env(
  spec: ResolvedWorkloadSpec,
  port: number,
  mountPath: string,
  secret: string,
  replicaIndex: "statefulset" | "single",
): unknown[] {
  const provided: unknown[] = [
    { name: "PORT", value: String(port) },
    { name: "BERTH_VOLUME_DIR", value: mountPath },
    replicaIndex === "statefulset"
      ? {
          name: "BERTH_REPLICA",
          valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
        }
      : { name: "BERTH_REPLICA", value: "0" },
  ];
  const taken = new Set(["PORT", "BERTH_VOLUME_DIR", "BERTH_REPLICA"]);
  const values = Object.keys(spec.values ?? {})
    .filter((k) => !taken.has(k))
    .map((k) => ({ name: k, valueFrom: { secretKeyRef: { name: secret, key: k } } }));
  for (const k of Object.keys(spec.values ?? {})) taken.add(k);
  const author = Object.entries(spec.env)
    .filter(([k]) => !taken.has(k))
    .map(([name, value]) => ({ name, value }));
  return [...provided, ...values, ...author];
}

function probe(spec: ResolvedWorkloadSpec): Record<string, unknown> {
  const h = spec.healthCheck;
  if (h.type === "none" || !spec.listens) return {};
  const periodSeconds = Math.max(1, Math.round((h.intervalMs ?? 1_000) / 1000));
  const handler =
    h.type === "http" ? { httpGet: { path: h.path, port: "http" } } : { tcpSocket: { port: "http" } };
  return { readinessProbe: { ...handler, periodSeconds, failureThreshold: 3, timeoutSeconds: 2 } };
}

function resources(spec: ResolvedWorkloadSpec): Record<string, unknown> {
  const r: Record<string, string> = {};
  if (spec.resources?.cpu) r.cpu = spec.resources.cpu;
  if (spec.resources?.memory) r.memory = spec.resources.memory;
  if (Object.keys(r).length === 0) return {};
  return { resources: { requests: r, limits: r } };
}

export function statefulSet(
  w: DesiredWorkload,
  deploymentId: string,
  n: WorkloadNames,
  s: ManifestSettings,
  replicas: number,
): KubeObject {
  const template = podTemplate(w, deploymentId, n, s, "statefulset");
  const { name: _name, ...templateMeta } = template.metadata;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: workloadMeta(w, deploymentId, {
      name: n.object,
      namespace: n.namespace,
      revision: n.revision,
    }),
    spec: {
      replicas,
      serviceName: n.service,
      podManagementPolicy: "Parallel",
      selector: {
        matchLabels: { [L.deployment]: deploymentId, [L.workload]: w.name, [L.revision]: n.revision },
      },
      template: { metadata: templateMeta, spec: template.spec },
    },
  };
}

/** An agent-sandbox Sandbox in the API version the cluster serves (v1beta1 or v1alpha1). */
export function sandbox(
  w: DesiredWorkload,
  deploymentId: string,
  n: WorkloadNames,
  s: ManifestSettings,
  version: string,
  running: boolean,
): KubeObject {
  const template = podTemplate(w, deploymentId, n, s, "single");
  const { name: _name, ...templateMeta } = template.metadata;
  const podTemplate_ = { metadata: templateMeta, spec: template.spec };
  return {
    apiVersion: `agents.x-k8s.io/${version}`,
    kind: "Sandbox",
    metadata: workloadMeta(w, deploymentId, {
      name: n.object,
      namespace: n.namespace,
      revision: n.revision,
    }),
    spec:
      version === "v1alpha1"
        ? { podTemplate: podTemplate_, replicas: running ? 1 : 0 }
        : { podTemplate: podTemplate_, operatingMode: running ? "Running" : "Suspended" },
  };
}

/** The patch that scales a workload object (Sandbox: 0/1 or Running/Suspended per its version). */
export function scalePatch(kind: "StatefulSet" | "Sandbox", version: string, replicas: number): unknown {
  if (kind === "StatefulSet") return { spec: { replicas } };
  if (version === "v1alpha1") return { spec: { replicas: replicas > 0 ? 1 : 0 } };
  return { spec: { operatingMode: replicas > 0 ? "Running" : "Suspended" } };
}

export function service(w: DesiredWorkload, deploymentId: string, n: WorkloadNames): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: workloadMeta(w, deploymentId, { name: n.service, namespace: n.namespace }),
    spec: {
      selector: { [L.deployment]: deploymentId, [L.workload]: w.name, [L.role]: "workload" },
      ports: [{ name: "http", port: w.spec.port ?? DEFAULT_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/** The values a user supplied, as a Secret the pod template refers to (never in the template). */
export function envSecret(w: DesiredWorkload, deploymentId: string, n: WorkloadNames): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: workloadMeta(w, deploymentId, { name: n.secret, namespace: n.namespace }),
    type: "Opaque",
    data: secretData(w.spec.values ?? {}),
  };
}

/** Secret `data`: each value base64-encoded, byte for byte. */
export function secretData(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]),
  );
}

export function namespaceObject(name: string, berthNamespace: string, team: string | undefined): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: { [MANAGED_BY]: "berth", [L.namespace]: berthNamespace, ...(team ? { [L.team]: team } : {}) },
    },
  };
}

export function pvc(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  opts: { storageClass?: string; size: string; snapshot?: string },
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace, labels: { [MANAGED_BY]: "berth", ...labels }, annotations },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(opts.storageClass ? { storageClassName: opts.storageClass } : {}),
      resources: { requests: { storage: opts.size } },
      ...(opts.snapshot
        ? { dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: opts.snapshot } }
        : {}),
    },
  };
}
