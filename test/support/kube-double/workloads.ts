/**
 * Part of the Kubernetes API test double: the SIMULATED StatefulSet controller, and the helpers the
 * workload controllers share (owner references, pod and claim creation, status writes).
 *
 * StatefulSet, per "StatefulSets": pods `<name>-<ordinal>` with the `statefulset.kubernetes.io/pod-name`
 *   and `controller-revision-hash` labels; one PVC per volumeClaimTemplate and ordinal,
 *   `<template>-<name>-<ordinal>`, kept when the set scales down (retention policy Retain);
 *   OrderedReady creates ordinal i only when all lower ones are Ready and removes the highest first;
 *   a changed pod template rolls pods one at a time from the highest ordinal (RollingUpdate); status
 *   replicas / readyReplicas / availableReplicas / currentReplicas / updatedReplicas / observedGeneration.
 */
import crypto from "node:crypto";
import type { Controller } from "./controller-loop.js";
import type { EventRecorder } from "./events.js";
import type { KubeObject, OwnerReference, ResourceDef, ResourceTable } from "./resources.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";
import { canonical, sameJson } from "./json.js";
import { timestamp } from "./time.js";

// biome-ignore lint/suspicious/noExplicitAny: specs are free-form JSON
type Any = any;

const hash = (v: unknown) => crypto.createHash("sha256").update(canonical(v)).digest("hex").slice(0, 10);

export const ownerRef = (o: KubeObject): OwnerReference => ({
  apiVersion: o.apiVersion!,
  kind: o.kind!,
  name: o.metadata!.name!,
  uid: o.metadata!.uid!,
  controller: true,
  blockOwnerDeletion: true,
});
export const ownedBy = (o: KubeObject, owner: KubeObject) =>
  (o.metadata?.ownerReferences ?? []).some((r) => r.uid === owner.metadata!.uid);
export const isReady = (p: KubeObject) =>
  p.status?.conditions?.some((c: Any) => c.type === "Ready" && c.status === "True") === true;

export function condition(
  old: Any[] | undefined,
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  generation?: number,
): Any {
  const status = ok ? "True" : "False";
  const prev = old?.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : timestamp(),
  };
}

export class Workloads {
  readonly pod: ResourceDef;
  readonly pvc: ResourceDef;
  readonly svc: ResourceDef;
  constructor(
    readonly store: ObjectStore,
    readonly table: ResourceTable,
    readonly event: EventRecorder,
  ) {
    this.pod = table.find("", "v1", "pods")!;
    this.pvc = table.find("", "v1", "persistentvolumeclaims")!;
    this.svc = table.find("", "v1", "services")!;
  }

  ensureClaim(owner: KubeObject, tpl: Any, name: string, labels: Record<string, string>, own: boolean): void {
    const ns = owner.metadata!.namespace!;
    if (this.store.get(this.pvc, ns, name)) return;
    ignoreRace(() =>
      this.store.create(this.pvc, ns, {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name,
          labels: { ...(tpl.metadata?.labels ?? {}), ...labels },
          ...(tpl.metadata?.annotations ? { annotations: tpl.metadata.annotations } : {}),
          ...(own ? { ownerReferences: [ownerRef(owner)] } : {}),
        },
        spec: structuredClone(tpl.spec ?? {}),
      }),
    );
  }

  createPod(
    owner: KubeObject,
    name: string | undefined,
    template: Any,
    labels: Record<string, string>,
    extra: Any = {},
  ): void {
    const meta = template.metadata ?? {};
    ignoreRace(() => {
      const created = this.store.create(this.pod, owner.metadata!.namespace, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          ...(name ? { name } : { generateName: `${owner.metadata!.name}-` }),
          labels: { ...(meta.labels ?? {}), ...labels },
          ...(meta.annotations ? { annotations: meta.annotations } : {}),
          ownerReferences: [ownerRef(owner)],
        },
        spec: { ...structuredClone(template.spec ?? {}), ...extra },
      });
      this.event(
        owner,
        "Normal",
        "SuccessfulCreate",
        `create Pod ${created.metadata!.name} in ${owner.kind} ${owner.metadata!.name} successful`,
        `${owner.kind!.toLowerCase()}-controller`,
      );
    });
  }

  deletePod(owner: KubeObject, pod: KubeObject): void {
    ignoreRace(() => this.store.delete(this.pod, pod.metadata!.namespace, pod.metadata!.name!));
    this.event(
      owner,
      "Normal",
      "SuccessfulDelete",
      `delete Pod ${pod.metadata!.name} in ${owner.kind} ${owner.metadata!.name} successful`,
      `${owner.kind!.toLowerCase()}-controller`,
    );
  }

  writeStatus(def: ResourceDef, obj: KubeObject, status: Any): void {
    if (sameJson(status, obj.status ?? {})) return;
    ignoreRace(() =>
      this.store.update(
        def,
        obj.metadata!.namespace,
        { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined }, status },
        { subresource: "status" },
      ),
    );
  }

  podsOf(owner: KubeObject): KubeObject[] {
    return this.store.list(this.pod, owner.metadata!.namespace).filter((p) => ownedBy(p, owner));
  }
}

export function claimVolumes(templates: Any[], claimName: (t: Any) => string, existing: Any[]): Any[] {
  const volumes = [...existing];
  for (const t of templates) {
    if (!volumes.some((v) => v.name === t.metadata?.name))
      volumes.push({ name: t.metadata?.name, persistentVolumeClaim: { claimName: claimName(t) } });
  }
  return volumes;
}

export function statefulSetController(
  store: ObjectStore,
  table: ResourceTable,
  event: EventRecorder,
): Controller {
  const w = new Workloads(store, table, event);
  const def = table.find("apps", "v1", "statefulsets")!;
  const reconcileOne = (sts: KubeObject) => {
    const name = sts.metadata!.name!;
    const spec = sts.spec ?? {};
    const replicas: number = spec.replicas ?? 1;
    const revision = `${name}-${hash(spec.template)}`;
    const pods = w.podsOf(sts);
    const byOrdinal = new Map(
      pods.map((p) => [Number(p.metadata!.name!.slice(name.length + 1)), p] as const),
    );
    const ordered = spec.podManagementPolicy !== "Parallel";
    const terminating = pods.some((p) => p.metadata!.deletionTimestamp);
    const templates: Any[] = spec.volumeClaimTemplates ?? [];
    const selectorLabels = spec.selector?.matchLabels ?? {};
    for (let i = 0; i < replicas; i++) {
      const existing = byOrdinal.get(i);
      if (existing) {
        if (ordered && !isReady(existing)) break;
        continue;
      }
      if (ordered && terminating) break;
      const podName = `${name}-${i}`;
      for (const t of templates)
        w.ensureClaim(sts, t, `${t.metadata?.name}-${podName}`, selectorLabels, false);
      w.createPod(
        sts,
        podName,
        spec.template,
        {
          "statefulset.kubernetes.io/pod-name": podName,
          "apps.kubernetes.io/pod-index": String(i),
          "controller-revision-hash": revision,
        },
        {
          hostname: podName,
          ...(spec.serviceName ? { subdomain: spec.serviceName } : {}),
          volumes: claimVolumes(
            templates,
            (t) => `${t.metadata?.name}-${podName}`,
            spec.template?.spec?.volumes ?? [],
          ),
        },
      );
      if (ordered) break;
    }
    const extra = pods.filter(
      (p) => Number(p.metadata!.name!.slice(name.length + 1)) >= replicas && !p.metadata!.deletionTimestamp,
    );
    extra.sort((a, b) => b.metadata!.name!.localeCompare(a.metadata!.name!, undefined, { numeric: true }));
    for (const p of ordered && !terminating ? extra.slice(0, 1) : ordered ? [] : extra) w.deletePod(sts, p);
    const live = pods.filter((p) => !p.metadata!.deletionTimestamp);
    const outdated = live.filter((p) => p.metadata?.labels?.["controller-revision-hash"] !== revision);
    if (
      spec.updateStrategy?.type !== "OnDelete" &&
      !terminating &&
      extra.length === 0 &&
      live.length === replicas &&
      live.every(isReady) &&
      outdated.length > 0
    ) {
      outdated.sort((a, b) =>
        b.metadata!.name!.localeCompare(a.metadata!.name!, undefined, { numeric: true }),
      );
      w.deletePod(sts, outdated[0]!);
    }
    const ready = live.filter(isReady).length;
    const updated = live.filter((p) => p.metadata?.labels?.["controller-revision-hash"] === revision).length;
    const status: Any = {
      observedGeneration: sts.metadata!.generation,
      replicas: live.length,
      ...(ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : { availableReplicas: 0 }),
      ...(updated > 0 ? { currentReplicas: updated, updatedReplicas: updated } : {}),
      currentRevision: outdated.length === 0 ? revision : (sts.status?.currentRevision ?? revision),
      updateRevision: revision,
      collisionCount: 0,
    };
    w.writeStatus(def, sts, status);
  };
  return {
    name: "statefulset-controller (simulated)",
    reconcile() {
      for (const sts of store.list(def)) if (!sts.metadata!.deletionTimestamp) reconcileOne(sts);
    },
  };
}
