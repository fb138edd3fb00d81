/**
 * The kubernetes runtime: berth's workloads as Kubernetes objects (docs/kubernetes.md, "The
 * kubernetes driver"). Per berth namespace a Namespace; per workload a StatefulSet, or an
 * agent-sandbox Sandbox for a single-replica agent when the cluster serves that CRD (version found
 * by discovery at start); a PVC per volume; a Service; a Secret with the user's values.
 *
 * Revisions: the pod template of a revision never changes. A spec change (restart included: its
 * generation is part of the spec hash, and the template carries `berth.dev/restartedAt`) makes a
 * new object named after the revision; `rolling` waits until the new revision's replicas are ready
 * before deleting the old one (so an endpoint is ready throughout, which a StatefulSet's own
 * rolling update cannot give one replica), `recreate` deletes the old one first. A replica-count
 * change scales the current object. remove() (pause) scales it to 0 / suspends the Sandbox and
 * keeps it and the PVC; the next apply() scales it back.
 *
 * Observed state comes from informers: pods (status, readiness) and EndpointSlices (endpoints: the
 * ready addresses the Service publishes); runtime events from core/v1 Events about berth's pods,
 * plus `Ready` when a pod becomes ready. close() leaves every object; a new driver lists them by
 * label and adopts them.
 */
import { SerialByKey } from "../../util/serial-by-key.js";
import { VolumeVerbs } from "../volume-verbs.js";
import {
  type DesiredWorkload,
  type Endpoint,
  type ImageCommand,
  type LogQuery,
  type RunningSession,
  type RuntimeCapabilities,
  type RuntimeDriver,
  type RuntimeEvent,
  type SessionRequest,
  UnsupportedVerb,
  type VolumeRef,
  type WorkloadMetrics,
  type WorkloadStatus,
} from "../driver.js";
import { parseImageRef } from "../container/image-ref.js";
import { type KubernetesSettings, KubeContext, type Logger } from "./context.js";
import { isNotFound, type KubeClient, type KubeObject } from "./kube-client.js";
import { KubeIngress } from "./ingress.js";
import { KubeObserver } from "./observer.js";
import { followPodLogs, tailPodLogs } from "./logs.js";
import {
  DEFAULT_PORT,
  envSecret,
  sandbox,
  scalePatch,
  service,
  statefulSet,
  type WorkloadNames,
} from "./manifests.js";
import {
  A,
  hash,
  kubeNamespace,
  L,
  MANAGED_BY,
  objectName,
  parseKey,
  selector,
  serviceName,
} from "./names.js";
import { podIndex, replicaStatus } from "./pod-status.js";
import { parseQuantity, R } from "./resources.js";
import { KubeSessions } from "./sessions.js";
import { KubeVolumes } from "./volumes.js";

export interface KubernetesDriverOptions extends KubernetesSettings {
  client: KubeClient;
  logger: Logger;
  /** How long each informer watch lasts before it resumes from the last version seen (default 300 s). */
  watchTimeoutSeconds?: number;
}

type Kind = "StatefulSet" | "Sandbox";

interface WorkloadObject {
  kind: Kind;
  name: string;
  revision: string;
  replicas: number;
}

interface Tracked {
  key: string;
  k8sNamespace: string;
  deploymentId: string;
  name: string;
  desired: DesiredWorkload | undefined;
  /** The object of the current revision. */
  current: WorkloadObject | undefined;
  failedRollout?: { specHash: string; reason: string };
}

export class KubernetesDriver extends VolumeVerbs implements RuntimeDriver {
  readonly name = "kubernetes" as const;
  private readonly client: KubeClient;
  private readonly ctx: KubeContext;
  private readonly observer: KubeObserver;
  protected readonly volumes: KubeVolumes;
  private readonly sessions: KubeSessions;
  private readonly ingress: KubeIngress;
  private readonly workloads = new Map<string, Tracked>();
  private readonly serialized = new SerialByKey();
  private sandboxVersion: string | undefined;
  private metricsServed = false;

  constructor(private readonly opts: KubernetesDriverOptions) {
    super();
    this.client = opts.client;
    this.observer = new KubeObserver(this.client, opts.logger, opts.watchTimeoutSeconds);
    this.ctx = new KubeContext(this.client, this.observer.pods, opts, opts.logger);
    this.volumes = new KubeVolumes(this.ctx, (ns, workload) => this.observer.podsOfVolume(ns, workload));
    this.sessions = new KubeSessions(this.ctx);
    this.ingress = new KubeIngress(this.ctx);
  }

  /** Discovers what the cluster serves, starts the informers and adopts berth's objects. */
  async init(): Promise<void> {
    this.sandboxVersion = await this.servedVersion("agents.x-k8s.io", ["v1beta1", "v1alpha1"]);
    this.metricsServed = (await this.servedVersion("metrics.k8s.io", ["v1beta1"])) !== undefined;
    await this.volumes.init();
    await this.observer.start();
    await this.adopt();
  }

  private async servedVersion(group: string, prefer: string[]): Promise<string | undefined> {
    try {
      const g = await this.client.request<{ versions?: { version: string }[] }>("GET", `/apis/${group}`);
      const served = new Set((g.versions ?? []).map((v) => v.version));
      return prefer.find((v) => served.has(v));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async adopt(): Promise<void> {
    const sel = `${MANAGED_BY}=berth,${L.role}=workload`;
    const found: [Kind, KubeObject][] = (await this.client.list(R.statefulsets(), sel)).items.map((o) => [
      "StatefulSet",
      o,
    ]);
    if (this.sandboxVersion) {
      for (const o of (await this.client.list(R.sandboxes(this.sandboxVersion)(), sel)).items)
        found.push(["Sandbox", o]);
    }
    for (const [kind, o] of found) {
      const key = o.metadata.annotations?.[A.key];
      if (!key || o.metadata.deletionTimestamp) continue;
      const t = this.track(key, o.metadata.namespace ?? "");
      const obj: WorkloadObject = {
        kind,
        name: o.metadata.name,
        revision: o.metadata.labels?.[L.revision] ?? "",
        replicas: this.replicasOf(kind, o),
      };
      // the newest object with replicas wins; the next apply() deletes the others
      if (!t.current || obj.replicas > 0) t.current = obj;
      if (obj.replicas > 0)
        this.observer.emit(key, 0, "Normal", "Adopted", `adopted ${kind.toLowerCase()}/${obj.name}`);
    }
  }

  private replicasOf(kind: Kind, o: KubeObject): number {
    if (kind === "StatefulSet") return Number(o.spec?.replicas ?? 1);
    if (o.spec?.operatingMode !== undefined) return o.spec.operatingMode === "Running" ? 1 : 0;
    return Number(o.spec?.replicas ?? 1);
  }

  private track(key: string, k8sNamespace: string): Tracked {
    let t = this.workloads.get(key);
    if (!t) {
      const { deploymentId, workload } = parseKey(key);
      t = { key, k8sNamespace, deploymentId, name: workload, desired: undefined, current: undefined };
      this.workloads.set(key, t);
    }
    return t;
  }

  apply(d: DesiredWorkload): Promise<void> {
    return this.serialized.run(d.key, async () => {
      const ns = kubeNamespace(d.namespace);
      try {
        await this.converge(d, ns);
      } catch (err) {
        // the Namespace may have gone (deleted by another control plane): check it again next time
        if (isNotFound(err)) this.ctx.forgetNamespace(ns);
        throw err;
      }
    });
  }

  /** Creates or updates the workload's objects and waits as apply() promises (see the header). */
  private async converge(d: DesiredWorkload, ns: string): Promise<void> {
    const { deploymentId, workload } = parseKey(d.key);
    if (workload !== d.name) throw new Error(`workload key ${d.key} does not name workload ${d.name}`);
    await this.ctx.ensureNamespace(ns, d.namespace, d.team);
    const t = this.track(d.key, ns);
    t.desired = d;
    const pvc = await this.volumes.ensure({ namespace: d.namespace, workload: d.name }, d.team);
    const kind: Kind =
      this.sandboxVersion && d.kind !== "service" && d.replicas <= 1 && t.current?.kind !== "StatefulSet"
        ? "Sandbox"
        : "StatefulSet";
    const revision = hash(`${d.specHash}|${pvc}|${kind}|${this.sandboxVersion ?? ""}`, 8);
    const n: WorkloadNames = {
      namespace: ns,
      object: objectName(d.name, deploymentId, revision),
      service: serviceName(d.name, deploymentId),
      secret: `${objectName(d.name, deploymentId, revision)}-env`,
      pvc,
      revision,
    };
    if (t.current?.revision === revision) {
      if (t.current.replicas !== d.replicas) await this.scale(t, t.current, d.replicas);
    } else if (t.failedRollout?.specHash === d.specHash && t.current) {
      // a failed rollout of this spec is not retried; the previous revision keeps serving
      if (t.current.replicas !== d.replicas) await this.scale(t, t.current, d.replicas);
    } else {
      await this.rollTo(t, d, kind, n);
    }
    await this.removeOtherRevisions(t);
    await this.ingress.toWorkload(d, deploymentId, n);
    await this.ctx.waitFor(
      () => (this.observer.podsOf(d.key).length <= d.replicas || undefined) && true,
      this.opts.stopGraceMs + 30_000,
      `${d.key} scaled to ${d.replicas}`,
    );
    this.observer.changed(d.key);
  }

  /** Creates the revision's objects and, for a rolling change, waits for them before the old go. */
  private async rollTo(t: Tracked, d: DesiredWorkload, kind: Kind, n: WorkloadNames): Promise<void> {
    const old = t.current;
    const rolling = d.strategy === "rolling" && old !== undefined && old.replicas > 0;
    if (!rolling && old) {
      await this.deleteObject(t, old);
      t.current = undefined;
    }
    await this.ctx.createIfAbsent(R.secrets(n.namespace), {
      ...envSecret(d, t.deploymentId, n),
      immutable: true,
    });
    if (d.spec.listens) await this.ctx.createIfAbsent(R.services(n.namespace), service(d, t.deploymentId, n));
    const obj =
      kind === "Sandbox"
        ? sandbox(d, t.deploymentId, n, this.opts, this.sandboxVersion!, d.replicas > 0)
        : statefulSet(d, t.deploymentId, n, this.opts, d.replicas);
    // as `kubectl rollout restart` marks a template: when this revision was rolled out
    (kind === "Sandbox" ? obj.spec.podTemplate : obj.spec.template).metadata.annotations[A.restartedAt] =
      new Date().toISOString();
    const r =
      kind === "Sandbox" ? R.sandboxes(this.sandboxVersion!)(n.namespace) : R.statefulsets(n.namespace);
    const existing = await this.client.find(r, n.object);
    if (!existing) await this.client.create(r, obj);
    else if (this.replicasOf(kind, existing) !== d.replicas)
      await this.client.patch(r, n.object, scalePatch(kind, this.sandboxVersion ?? "", d.replicas));
    const next: WorkloadObject = { kind, name: n.object, revision: n.revision, replicas: d.replicas };
    if (!rolling) {
      t.current = next;
      return;
    }
    const want = Math.min(d.replicas, 1) === 0 ? 0 : d.replicas;
    try {
      await this.ctx.waitFor(
        () =>
          this.observer
            .podsOf(t.key)
            .filter((p) => p.metadata.labels?.[L.revision] === n.revision && this.observer.endpointOf(p))
            .length >= want || undefined,
        this.opts.rolloutTimeoutMs,
        `revision ${n.revision} of ${t.key} ready`,
      );
    } catch (err) {
      t.failedRollout = { specHash: d.specHash, reason: (err as Error).message };
      this.observer.emit(t.key, 0, "Warning", "RolloutFailed", (err as Error).message);
      await this.deleteObject(t, next);
      return;
    }
    t.failedRollout = undefined;
    t.current = next;
  }

  private async scale(t: Tracked, o: WorkloadObject, replicas: number): Promise<void> {
    const r = this.resourceOf(o.kind, t.k8sNamespace);
    await this.client.patch(r, o.name, scalePatch(o.kind, this.sandboxVersion ?? "", replicas));
    o.replicas = replicas;
  }

  private resourceOf(kind: Kind, ns: string) {
    return kind === "Sandbox" ? R.sandboxes(this.sandboxVersion!)(ns) : R.statefulsets(ns);
  }

  /** Deletes a revision's object and Secret and waits until its pods are gone. */
  private async deleteObject(t: Tracked, o: WorkloadObject): Promise<void> {
    await this.client.delete(this.resourceOf(o.kind, t.k8sNamespace), o.name);
    await this.client.delete(R.secrets(t.k8sNamespace), `${o.name}-env`);
    await this.ctx.waitFor(
      () =>
        this.observer.podsOf(t.key).some((p) => p.metadata.labels?.[L.revision] === o.revision)
          ? undefined
          : true,
      this.opts.stopGraceMs + 30_000,
      `pods of ${o.name} gone`,
    );
  }

  /** Deletes the objects of other revisions of this key (left by a rollout, a crash or adoption). */
  private async removeOtherRevisions(t: Tracked): Promise<void> {
    const sel = selector({ [L.deployment]: t.deploymentId, [L.workload]: t.name, [L.role]: "workload" });
    const kinds: Kind[] = this.sandboxVersion ? ["StatefulSet", "Sandbox"] : ["StatefulSet"];
    for (const kind of kinds) {
      const { items } = await this.client.list(this.resourceOf(kind, t.k8sNamespace), sel);
      for (const o of items) {
        if (o.metadata.name === t.current?.name) continue;
        const revision = o.metadata.labels?.[L.revision] ?? "";
        await this.deleteObject(t, { kind, name: o.metadata.name, revision, replicas: 0 });
      }
    }
  }

  remove(key: string): Promise<void> {
    return this.serialized.run(key, async () => {
      const t = this.workloads.get(key);
      if (!t) return;
      if (t.current && t.current.replicas > 0) await this.scale(t, t.current, 0);
      await this.removeOtherRevisions(t);
      await this.ingress.toActivator(t.k8sNamespace, serviceName(t.name, t.deploymentId));
      await this.ctx.waitFor(
        () => (this.observer.podsOf(key).length === 0 ? true : undefined),
        this.opts.stopGraceMs + 30_000,
        `pods of ${key} gone`,
      );
      t.desired = undefined;
      this.observer.changed(key);
    });
  }

  private isLive(key: string): boolean {
    const t = this.workloads.get(key);
    return (t?.current?.replicas ?? 0) > 0 || this.observer.podsOf(key).length > 0;
  }

  status(key: string): WorkloadStatus | undefined {
    const t = this.workloads.get(key);
    if (!t || !this.isLive(key)) return undefined;
    const replicas = this.observer
      .podsOf(key)
      .map((p) => replicaStatus(p, this.observer.endpointOf(p)?.port ?? null))
      .sort((a, b) => a.index - b.index);
    return {
      key,
      desiredReplicas: t.current?.replicas ?? 0,
      readyReplicas: replicas.filter((r) => r.phase === "ready").length,
      specHash: t.desired?.specHash ?? replicas[0]?.specHash ?? "",
      replicas,
      ...(t.failedRollout ? { failedRollout: t.failedRollout } : {}),
    };
  }

  keys(): string[] {
    return [...this.workloads.keys()].filter((k) => this.isLive(k));
  }

  endpoints(key: string): Endpoint[] {
    return this.observer.endpoints(key);
  }

  readLogs(key: string, q: LogQuery): Promise<string> {
    return tailPodLogs(this.client, this.logPods(key, q.replica), q.tail);
  }

  followLogs(key: string, q: { replica?: number; signal: AbortSignal }): AsyncIterable<string> {
    return followPodLogs(this.client, this.observer.pods, () => this.logPods(key, q.replica), q.signal);
  }

  private logPods(key: string, replica?: number): KubeObject[] {
    return this.observer
      .podsOf(key)
      .filter((p) => !p.metadata.deletionTimestamp && (replica === undefined || podIndex(p) === replica))
      .sort((a, b) => podIndex(a) - podIndex(b));
  }

  /** Usage from metrics.k8s.io (PodMetrics), summed over the workload's pods. */
  async metrics(key: string): Promise<WorkloadMetrics | undefined> {
    if (!this.metricsServed) throw new UnsupportedVerb("metrics", this.name);
    const t = this.workloads.get(key);
    if (!t) return undefined;
    const sel = selector({ [L.deployment]: t.deploymentId, [L.workload]: t.name, [L.role]: "workload" });
    const { items } = await this.client.list(R.podmetrics(t.k8sNamespace), sel);
    if (items.length === 0) return undefined;
    let cores = 0;
    let memory = 0;
    for (const m of items) {
      for (const c of (m.containers as { usage?: { cpu?: string; memory?: string } }[] | undefined) ?? []) {
        cores += parseQuantity(c.usage?.cpu) ?? 0;
        memory += parseQuantity(c.usage?.memory) ?? 0;
      }
    }
    return { cpuMillicores: Math.round(cores * 1000), memoryBytes: Math.round(memory), at: new Date() };
  }

  capabilities(): RuntimeCapabilities {
    const unsupported: RuntimeCapabilities["unsupported"] = [];
    if (!this.volumes.snapshots) unsupported.push("snapshotVolume", "deleteSnapshot");
    if (!this.metricsServed) unsupported.push("metrics");
    return {
      runtime: this.name,
      isolation: "pod",
      missing: [],
      clientCommands: true,
      backupDrivers: this.volumes.snapshots
        ? ["volumeSnapshot", "restic", "objectArchive"]
        : ["restic", "objectArchive"],
      images: [],
      unsupported: unsupported.sort(),
    };
  }

  startSession(request: SessionRequest): RunningSession {
    return this.sessions.start(request);
  }

  deleteSessionState(scope: string): Promise<void> {
    return this.sessions.deleteState(scope);
  }

  /** Deletes the volume's PVCs and every workload object of that workload (they run no replica). */
  override async deleteVolume(volume: VolumeRef): Promise<void> {
    const ns = kubeNamespace(volume.namespace);
    const sel = selector({ [L.workload]: volume.workload, [MANAGED_BY]: "berth" });
    const kinds: Kind[] = this.sandboxVersion ? ["StatefulSet", "Sandbox"] : ["StatefulSet"];
    for (const kind of kinds)
      for (const o of (await this.client.list(this.resourceOf(kind, ns), sel)).items)
        await this.client.delete(this.resourceOf(kind, ns), o.metadata.name);
    for (const r of [R.ingresses(ns), R.services(ns), R.secrets(ns)])
      for (const o of (await this.client.list(r, sel)).items) await this.client.delete(r, o.metadata.name);
    for (const [key, t] of this.workloads)
      if (t.k8sNamespace === ns && t.name === volume.workload && !this.isLive(key))
        this.workloads.delete(key);
    await this.volumes.delete(volume);
  }

  /** Deletes the Namespace of a berth namespace (everything in it goes with it). */
  async deleteNamespace(berthNamespace: string): Promise<void> {
    const ns = kubeNamespace(berthNamespace);
    this.ctx.forgetNamespace(ns);
    await this.client.delete(R.namespaces(), ns);
  }

  /** Volumes are PVCs in the cluster: none has a path on this machine (tests of host volumes). */
  volumePath(namespace: string, workload: string): string {
    throw new Error(
      `volume ${namespace}/${workload} is a PVC in the cluster, not a directory on this machine`,
    );
  }

  /** Any valid image reference runs as the pod's image; the cluster pulls it. */
  resolveImage(image: string): ImageCommand | undefined {
    if (!parseImageRef(image)) return undefined;
    return { command: "", args: [], defaultPort: DEFAULT_PORT, healthCheck: { type: "tcp" } };
  }

  /** Pods reach berth through its Service, not a port handed to them. */
  setApiPort(_port: number): void {}

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    return this.observer.onEvent(listener);
  }

  onChange(listener: (key: string) => void): () => void {
    return this.observer.onChange(listener);
  }

  async close(): Promise<void> {
    await this.observer.stop();
  }
}

export async function createKubernetesDriver(opts: KubernetesDriverOptions): Promise<KubernetesDriver> {
  const d = new KubernetesDriver(opts);
  await d.init();
  return d;
}
