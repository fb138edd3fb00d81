/**
 * Part of the Kubernetes API test double: a SIMULATED agent-sandbox controller for `Sandbox`
 * objects (agents.x-k8s.io), following what kubernetes-sigs/agent-sandbox's controller does:
 *
 * - one pod named like the Sandbox, owned by it, labelled `agents.x-k8s.io/sandbox-name-hash:
 *   <FNV-1a of the name>` plus the podTemplate's labels and annotations (keys under
 *   `agents.x-k8s.io/` are refused from the template); PVCs `<template>-<sandbox>` from
 *   volumeClaimTemplates, owned by the Sandbox and kept while it is suspended; their volumes replace
 *   same-named volumes of the template;
 * - the pod exists while v1beta1 `spec.operatingMode` is Running (v1alpha1: `spec.replicas` 1) and is
 *   deleted when suspended;
 * - a changed podTemplate does NOT replace an existing pod: only its labels and annotations are
 *   propagated to it (the real controller leaves the pod spec alone). A client restarts a Sandbox's
 *   pod by deleting it (a new one is created) or by suspending and resuming;
 * - a headless Service of the same name, selecting the hash label, with one port per container
 *   port, only when `spec.service` is true;
 * - status: a Ready condition (DependenciesReady when the pod is Ready and the Service, if asked
 *   for, exists; otherwise DependenciesNotReady, SandboxSuspended, PodSucceeded or PodFailed),
 *   `selector`, `podIPs`, `nodeName` (v1beta1), `replicas` (v1alpha1), `service`/`serviceFQDN`.
 * Objects are stored once and served at either version (no conversion; see resources.ts).
 */
import type { Controller } from "./controller-loop.js";
import type { EventRecorder } from "./events.js";
import { sameJson } from "./json.js";
import type { KubeObject, ResourceDef, ResourceTable } from "./resources.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";
import { Workloads, claimVolumes, condition, isReady, ownerRef } from "./workloads.js";

// biome-ignore lint/suspicious/noExplicitAny: specs are free-form JSON
type Any = any;

export const SANDBOX_HASH_LABEL = "agents.x-k8s.io/sandbox-name-hash";

/** FNV-1a 32-bit, hex: the label value agent-sandbox derives from a Sandbox's name. */
export function nameHash(name: string): string {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(name)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

const userKeys = (m: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => !k.startsWith("agents.x-k8s.io/")));

function servicePorts(spec: Any): Any[] {
  const seen = new Map<number, string>();
  for (const c of spec.podTemplate?.spec?.containers ?? [])
    for (const p of c.ports ?? [])
      if (p.containerPort && !seen.has(p.containerPort)) seen.set(p.containerPort, p.name ?? "");
  return [...seen.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, name]) => ({ name: name || `p-${port}-tcp`, protocol: "TCP", port, targetPort: port }));
}

function readyCondition(
  sb: KubeObject,
  pod: KubeObject | undefined,
  suspended: boolean,
  svcOk: boolean,
): Any {
  const old = sb.status?.conditions;
  const gen = sb.metadata!.generation;
  if (suspended)
    return condition(
      old,
      "Ready",
      false,
      "SandboxSuspended",
      pod ? "Sandbox is suspending" : "Sandbox is suspended",
      gen,
    );
  const phase = pod?.status?.phase;
  if (phase === "Succeeded")
    return condition(old, "Ready", false, "PodSucceeded", "Pod completed successfully", gen);
  if (phase === "Failed") return condition(old, "Ready", false, "PodFailed", "Pod failed", gen);
  const podReady = pod !== undefined && isReady(pod);
  let message = !pod
    ? "Pod does not exist"
    : podReady
      ? "Pod is Ready"
      : phase === "Running"
        ? "Pod is Running but not Ready"
        : `Pod exists with phase: ${phase ?? "Pending"}`;
  if (sb.spec?.service === true) message += svcOk ? "; Service Exists" : "; Service does not exist";
  const ok = podReady && svcOk;
  return condition(old, "Ready", ok, ok ? "DependenciesReady" : "DependenciesNotReady", message, gen);
}

export function sandboxController(
  store: ObjectStore,
  table: ResourceTable,
  event: EventRecorder,
): Controller {
  const w = new Workloads(store, table, event);

  const reconcileService = (sb: KubeObject, labels: Record<string, string>): boolean => {
    const name = sb.metadata!.name!;
    const ns = sb.metadata!.namespace!;
    const svc = store.get(w.svc, ns, name);
    const owned = svc?.metadata?.ownerReferences?.some((r) => r.uid === sb.metadata!.uid) === true;
    if (sb.spec?.service !== true) {
      if (svc && owned && sb.spec?.service === false) ignoreRace(() => store.delete(w.svc, ns, name));
      return false;
    }
    const spec = { clusterIP: "None", selector: labels, ports: servicePorts(sb.spec) };
    if (!svc) {
      ignoreRace(() =>
        store.create(w.svc, ns, {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name, labels, ownerReferences: [ownerRef(sb)] },
          spec,
        }),
      );
    } else if (
      owned &&
      (!sameJson(svc.spec.selector, spec.selector) || !sameJson(svc.spec.ports ?? [], spec.ports))
    ) {
      ignoreRace(() =>
        store.update(w.svc, ns, {
          ...svc,
          metadata: { ...svc.metadata, resourceVersion: undefined },
          spec: { ...svc.spec, selector: spec.selector, ports: spec.ports },
        }),
      );
    }
    return true;
  };

  const propagateMetadata = (sb: KubeObject, pod: KubeObject, labels: Record<string, string>) => {
    const tpl = sb.spec?.podTemplate?.metadata ?? {};
    const wantLabels = { ...(pod.metadata!.labels ?? {}), ...userKeys(tpl.labels), ...labels };
    const wantAnnotations = { ...(pod.metadata!.annotations ?? {}), ...userKeys(tpl.annotations) };
    if (
      sameJson(wantLabels, pod.metadata!.labels ?? {}) &&
      sameJson(wantAnnotations, pod.metadata!.annotations ?? {})
    )
      return;
    const metadata = {
      ...pod.metadata,
      labels: wantLabels,
      annotations: wantAnnotations,
      resourceVersion: undefined,
    };
    ignoreRace(() => store.update(w.pod, pod.metadata!.namespace, { ...pod, metadata }));
  };

  const reconcileOne = (def: ResourceDef, sb: KubeObject) => {
    const name = sb.metadata!.name!;
    const spec = sb.spec ?? {};
    const suspended =
      spec.operatingMode !== undefined ? spec.operatingMode === "Suspended" : spec.replicas === 0;
    const labels = { [SANDBOX_HASH_LABEL]: nameHash(name) };
    const templates: Any[] = spec.volumeClaimTemplates ?? [];
    for (const t of templates) w.ensureClaim(sb, t, `${t.metadata?.name}-${name}`, labels, true);
    const found = w.podsOf(sb).find((p) => p.metadata!.name === name);
    if (suspended && found && !found.metadata!.deletionTimestamp) w.deletePod(sb, found);
    if (!suspended && found && !found.metadata!.deletionTimestamp) propagateMetadata(sb, found, labels);
    if (!suspended && !found) {
      const template = structuredClone(spec.podTemplate ?? {});
      template.metadata = {
        labels: userKeys(template.metadata?.labels),
        annotations: userKeys(template.metadata?.annotations),
      };
      const vctVolumes = claimVolumes(templates, (t) => `${t.metadata?.name}-${name}`, []);
      const kept = (template.spec?.volumes ?? []).filter(
        (v: Any) => !vctVolumes.some((p) => p.name === v.name),
      );
      w.createPod(sb, name, template, labels, { volumes: [...kept, ...vctVolumes] });
    }
    const svcOk = reconcileService(sb, labels);
    const pod = found && !found.metadata!.deletionTimestamp ? found : undefined;
    const status: Any = {
      conditions: [readyCondition(sb, found, suspended, svcOk)],
      ...(found || sb.status?.selector
        ? { selector: `${SANDBOX_HASH_LABEL}=${labels[SANDBOX_HASH_LABEL]}` }
        : {}),
      ...(svcOk ? { service: name, serviceFQDN: `${name}.${sb.metadata!.namespace}.svc.cluster.local` } : {}),
      ...(pod?.status?.podIP ? { podIPs: [pod.status.podIP] } : {}),
      ...(spec.operatingMode === undefined
        ? { replicas: pod ? 1 : 0 }
        : pod?.spec?.nodeName
          ? { nodeName: pod.spec.nodeName }
          : {}),
    };
    w.writeStatus(def, sb, status);
  };

  return {
    name: "sandbox-controller (simulated agent-sandbox)",
    reconcile() {
      const def = table.byGroupKind("agents.x-k8s.io", "Sandbox");
      if (!def) return;
      for (const sb of store.list(def)) if (!sb.metadata!.deletionTimestamp) reconcileOne(def, sb);
    },
  };
}
