/**
 * What the kubernetes driver's parts share: the API client, the informer of berth's pods, the
 * driver's settings, waiting on a condition re-checked whenever a pod changes (with a deadline),
 * and creating the Namespace of a berth namespace once.
 */
import { isConflict, KubeError, type KubeClient, type KubeObject } from "./kube-client.js";
import type { Informer } from "./informer.js";
import { namespaceObject } from "./manifests.js";
import { R } from "./resources.js";

export interface KubernetesSettings {
  /** StorageClass of new PVCs; the cluster's default class when unset. */
  storageClass: string | undefined;
  /** Size requested by a new PVC (a Kubernetes quantity). */
  volumeSize: string;
  /**
   * Ingress of public deployments: class, host pattern (`{name}` = the deployment's name), TLS
   * Secret, and berth's own in-cluster address (`host:port`) that a paused workload's Ingress
   * points at, so a request wakes it (the activator).
   */
  ingress: {
    className: string | undefined;
    hostPattern: string | undefined;
    tlsSecret: string | undefined;
    activator: string | undefined;
  };
  /** runtimeClassName per team tier. */
  runtimeClass: Record<string, string>;
  /** Image of the short-lived Job pod that reads and writes PVCs (needs sh, GNU tar, gzip, du, find). */
  helperImage: string;
  /** Image of a workload or session given as a command. */
  defaultImage: string;
  /** Namespace of scheduled sessions' pods and their state PVCs. */
  sessionNamespace: string;
  stopGraceMs: number;
  rolloutTimeoutMs: number;
}

export interface Logger {
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
}

export class KubeContext {
  private readonly namespaces = new Set<string>();

  constructor(
    readonly client: KubeClient,
    readonly pods: Informer,
    readonly settings: KubernetesSettings,
    readonly log: Logger,
  ) {}

  /** Resolves with `fn`'s first defined value, re-checked on every pod change and every 100 ms. */
  waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      let done = false;
      let checking = false;
      const finish = (err: Error | undefined, v?: T) => {
        if (done) return;
        done = true;
        clearInterval(timer);
        clearTimeout(deadline);
        off();
        if (err) reject(err);
        else resolve(v as T);
      };
      const check = async () => {
        if (done || checking) return;
        checking = true;
        try {
          const v = await fn();
          if (v !== undefined) finish(undefined, v);
        } catch (err) {
          finish(err as Error);
        } finally {
          checking = false;
        }
      };
      const off = this.pods.onChange(() => void check());
      const timer = setInterval(() => void check(), 100);
      const deadline = setTimeout(
        () => finish(new Error(`timed out after ${ms} ms waiting for ${what}`)),
        ms,
      );
      void check();
    });
  }

  /** Creates the Namespace (labelled for its berth namespace and team) unless it exists. */
  async ensureNamespace(name: string, berthNamespace: string, team?: string): Promise<void> {
    if (this.namespaces.has(name)) return;
    const existing = await this.client.find(R.namespaces(), name);
    if (existing?.metadata.deletionTimestamp) {
      throw new KubeError(409, "Conflict", `namespace ${name} is being deleted; try again shortly`);
    }
    if (!existing) await this.createIfAbsent(R.namespaces(), namespaceObject(name, berthNamespace, team));
    this.namespaces.add(name);
  }

  forgetNamespace(name: string): void {
    this.namespaces.delete(name);
  }

  /** Creates the object; one that already exists is left as it is. */
  async createIfAbsent(r: Parameters<KubeClient["create"]>[0], obj: KubeObject): Promise<void> {
    try {
      await this.client.create(r, obj);
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
}
