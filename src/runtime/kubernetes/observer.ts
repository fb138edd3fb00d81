/**
 * What the kubernetes driver sees of its workloads: informers of berth's pods and of EndpointSlices,
 * and the core/v1 Events about those pods. It answers which pods belong to a workload key (by the
 * `berth.dev/key` annotation), each pod's ready endpoint (the address and port its Service's
 * EndpointSlice publishes), and turns changes into the driver's `onChange` keys and Kubernetes
 * Events into RuntimeEvents (adding `Ready` when a pod becomes ready, which no Event says).
 */
import type { Endpoint, RuntimeEvent } from "../driver.js";
import type { Logger } from "./context.js";
import { EventWatch } from "./event-watch.js";
import { Informer } from "./informer.js";
import type { KubeClient, KubeObject } from "./kube-client.js";
import { A, L, MANAGED_BY } from "./names.js";
import { isReady, podIndex } from "./pod-status.js";
import { R } from "./resources.js";

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean };
  targetRef?: { kind?: string; name?: string };
}

export class KubeObserver {
  readonly pods: Informer;
  private readonly slices: Informer;
  private readonly events: EventWatch;
  private readonly eventListeners = new Set<(e: RuntimeEvent) => void>();
  private readonly changeListeners = new Set<(key: string) => void>();
  /** Pods seen ready, so `Ready` is reported once per pod. */
  private readonly readySeen = new Set<string>();
  /** Pod (namespace/name) → key and index, kept after a pod is gone so late events still map. */
  private readonly podKeys = new Map<string, { key: string; index: number }>();

  constructor(client: KubeClient, logger: Logger, watchTimeoutSeconds?: number) {
    const warn = (err: unknown, msg: string) => logger.warn({ err }, msg);
    this.pods = new Informer(client, R.pods(), `${MANAGED_BY}=berth`, warn, watchTimeoutSeconds);
    // the real EndpointSlice controller copies a Service's labels, the API double does not: all slices
    this.slices = new Informer(client, R.endpointslices(), undefined, warn, watchTimeoutSeconds);
    this.events = new EventWatch(client, warn, watchTimeoutSeconds);
  }

  /** Lists (so the caches are complete when this resolves), then watches. */
  async start(): Promise<void> {
    this.pods.onChange((pod, deleted) => this.podChanged(pod, deleted));
    this.slices.onChange((slice) => this.sliceChanged(slice));
    this.events.onEvent((e) => this.kubeEvent(e));
    await this.pods.start();
    await this.slices.start();
    await this.events.start();
  }

  async stop(): Promise<void> {
    await this.events.stop();
    await this.slices.stop();
    await this.pods.stop();
  }

  /** The workload's pods (terminating ones included). */
  podsOf(key: string): KubeObject[] {
    return this.pods
      .list()
      .filter((p) => p.metadata.annotations?.[A.key] === key && p.metadata.labels?.[L.role] === "workload");
  }

  /** Pods of any deployment's workload `workload` in namespace `ns` (they mount its volume). */
  podsOfVolume(ns: string, workload: string): KubeObject[] {
    return this.pods
      .list()
      .filter(
        (p) =>
          p.metadata.namespace === ns &&
          p.metadata.labels?.[L.workload] === workload &&
          p.metadata.labels?.[L.role] === "workload",
      );
  }

  endpoints(key: string): Endpoint[] {
    return this.podsOf(key)
      .sort((a, b) => podIndex(a) - podIndex(b))
      .map((p) => this.endpointOf(p))
      .filter((e): e is Endpoint => e !== undefined);
  }

  /** The pod's ready address as an EndpointSlice of its Service publishes it. */
  endpointOf(pod: KubeObject): Endpoint | undefined {
    if (!isReady(pod)) return undefined;
    const ns = pod.metadata.namespace;
    for (const s of this.slices.list()) {
      if (s.metadata.namespace !== ns) continue;
      const ports = (s.ports as { name?: string; port?: number }[] | undefined) ?? [];
      for (const e of (s.endpoints as SliceEndpoint[] | undefined) ?? []) {
        if (e.targetRef?.name !== pod.metadata.name || e.conditions?.ready === false) continue;
        const port = (ports.find((p) => p.name === "http") ?? ports[0])?.port;
        const host = e.addresses?.[0];
        if (host && port) return { host, port };
      }
    }
    return undefined;
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onChange(listener: (key: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  emit(key: string, index: number, type: RuntimeEvent["type"], reason: string, message: string): void {
    const object = `pod/${key.split("/")[1] ?? key}-${index}`;
    const event: RuntimeEvent = { key, type, reason, message, object, at: new Date() };
    for (const l of this.eventListeners) l(event);
  }

  changed(key: string): void {
    for (const l of this.changeListeners) l(key);
  }

  private podChanged(pod: KubeObject, deleted: boolean): void {
    const key = pod.metadata.annotations?.[A.key];
    if (!key || pod.metadata.labels?.[L.role] !== "workload") return;
    const index = podIndex(pod);
    this.podKeys.set(`${pod.metadata.namespace}/${pod.metadata.name}`, { key, index });
    if (this.podKeys.size > 10_000) this.podKeys.delete(this.podKeys.keys().next().value!);
    const id = `${pod.metadata.namespace}/${pod.metadata.name}/${pod.metadata.uid ?? ""}`;
    if (!deleted && isReady(pod) && !this.readySeen.has(id)) {
      this.readySeen.add(id);
      this.emit(key, index, "Normal", "Ready", "replica is ready");
    }
    if (deleted) this.readySeen.delete(id);
    this.changed(key);
  }

  private sliceChanged(slice: KubeObject): void {
    for (const e of (slice.endpoints as SliceEndpoint[] | undefined) ?? []) {
      const known = e.targetRef?.name
        ? this.podKeys.get(`${slice.metadata.namespace}/${e.targetRef.name}`)
        : undefined;
      if (known) this.changed(known.key);
    }
  }

  private kubeEvent(e: KubeObject): void {
    const involved = e.involvedObject as { kind?: string; name?: string; namespace?: string } | undefined;
    if (involved?.kind !== "Pod" || !involved.name) return;
    const known = this.podKeys.get(`${involved.namespace ?? e.metadata.namespace}/${involved.name}`);
    if (!known) return;
    const type = e.type === "Warning" ? "Warning" : "Normal";
    this.emit(known.key, known.index, type, String(e.reason ?? "Unknown"), String(e.message ?? ""));
  }
}
