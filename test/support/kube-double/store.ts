/**
 * Part of the Kubernetes API test double: the object store, resourceVersions and the watch history.
 *
 * Follows "API Concepts → Efficient detection of changes" and "Resource versions": every write gets
 * a new, increasing resourceVersion (one counter for the whole store, as etcd's revision); an update
 * naming a stale `metadata.resourceVersion` is a 409 Conflict; a no-op update keeps the version; the
 * store keeps a bounded history of events so a watch can resume from a recent version (older ones get
 * 410 Gone). It also follows "Finalizers" and "Object Names and IDs": a delete of an object with
 * finalizers (and of every Pod and Namespace, which are deleted gracefully) only sets
 * `deletionTimestamp`; the object goes once its finalizers are empty. `generation` counts changes
 * to everything but metadata and status. Status is written only through the status subresource when
 * the kind has one.
 */
import crypto from "node:crypto";
import { type KubeObject, type ResourceDef, apiVersionOf, collectionKey } from "./resources.js";
import { KubeError, alreadyExists, conflict, forbidden, notFound } from "./status-errors.js";
import { sameJson } from "./json.js";
import { timestamp } from "./time.js";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: EventType;
  def: ResourceDef;
  object: KubeObject;
  /** The object before this write (MODIFIED and DELETED). */
  old?: KubeObject;
  rv: number;
}

export interface WriteOptions {
  /** Keep a given `.status` although the kind has a status subresource (controllers creating objects). */
  keepStatus?: boolean;
  /** Called with the final object before it is stored; throw to refuse the write. */
  check?: (obj: KubeObject) => void;
}

export interface DeleteOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;
const clone = <T>(v: T): T => structuredClone(v);

/** Kinds the API server always deletes gracefully (kubelet / namespace controller finish it). */
const GRACEFUL = new Set(["/pods", "/namespaces"]);

export class ObjectStore {
  private collections = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  private listeners = new Set<(ev: StoreEvent) => void>();
  private revision = 1000;

  constructor(private readonly historyLimit = 5000) {}

  /** Fills in defaults on every create and update, as the API server does on decode. */
  defaulter: (def: ResourceDef, obj: KubeObject, creating: boolean) => void = () => {};

  get resourceVersion(): string {
    return String(this.revision);
  }

  /** The oldest resourceVersion a watch may still resume from. */
  get oldestResumable(): number {
    return this.history.length > 0 ? this.history[0]!.rv - 1 : this.revision;
  }

  /** Forgets all history: any watch resuming from an earlier version gets 410 Gone (for tests). */
  compact(): void {
    this.history = [];
  }

  eventsAfter(rv: number): StoreEvent[] {
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(listener: (ev: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private collection(def: ResourceDef): Map<string, KubeObject> {
    const k = collectionKey(def);
    let c = this.collections.get(k);
    if (!c) {
      c = new Map();
      this.collections.set(k, c);
    }
    return c;
  }

  private emit(type: EventType, def: ResourceDef, object: KubeObject, old?: KubeObject): void {
    const ev: StoreEvent = {
      type,
      def,
      object: clone(object),
      rv: this.revision,
      ...(old ? { old: clone(old) } : {}),
    };
    this.history.push(ev);
    if (this.history.length > this.historyLimit)
      this.history.splice(0, this.history.length - this.historyLimit);
    for (const l of this.listeners) l(ev);
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.collection(def).get(key(def.namespaced ? namespace : undefined, name));
    return obj ? clone(obj) : undefined;
  }

  /** The stored object itself, for read-only lookups of large objects (CRDs): do not change it. */
  peek(def: ResourceDef, namespace: string | undefined, name: string): Readonly<KubeObject> | undefined {
    return this.collection(def).get(key(def.namespaced ? namespace : undefined, name));
  }

  mustGet(def: ResourceDef, namespace: string | undefined, name: string): KubeObject {
    const obj = this.get(def, namespace, name);
    if (!obj) throw notFound(def, name);
    return obj;
  }

  list(def: ResourceDef, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const obj of this.collection(def).values()) {
      if (!namespace || obj.metadata?.namespace === namespace) out.push(clone(obj));
    }
    return out.sort((a, b) =>
      key(a.metadata?.namespace, a.metadata!.name!).localeCompare(
        key(b.metadata?.namespace, b.metadata!.name!),
      ),
    );
  }

  /** Every stored object of every kind in a namespace (for the namespace controller). */
  allIn(namespace: string): { def: ResourceDef; object: KubeObject }[] {
    return this.everything((o) => o.metadata?.namespace === namespace);
  }

  /** Copies of every stored object `where` accepts (it sees the stored object: do not change it). */
  everything(
    where: (obj: Readonly<KubeObject>) => boolean = () => true,
  ): { def: ResourceDef; object: KubeObject }[] {
    const out: { def: ResourceDef; object: KubeObject }[] = [];
    for (const c of this.collections.values()) {
      for (const o of c.values()) if (where(o)) out.push({ def: this.defOf(o), object: clone(o) });
    }
    return out;
  }

  /** Whether any stored object has this uid (owner references). */
  hasUid(uid: string): boolean {
    return this.defs.has(uid);
  }

  private defs = new Map<string, ResourceDef>();
  private defOf(obj: KubeObject): ResourceDef {
    return this.defs.get(obj.metadata!.uid!)!;
  }

  private namespaceDef?: ResourceDef;
  /** Tells the store which def is Namespace so creates can check the namespace exists. */
  setNamespaceDef(def: ResourceDef): void {
    this.namespaceDef = def;
  }

  private checkNamespace(def: ResourceDef, namespace: string | undefined): void {
    if (!def.namespaced || !this.namespaceDef) return;
    const ns = this.get(this.namespaceDef, undefined, namespace ?? "");
    if (!ns) throw notFound(this.namespaceDef, namespace ?? "");
    if (ns.metadata?.deletionTimestamp)
      throw forbidden(
        `${def.resource} "${namespace}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
  }

  create(
    def: ResourceDef,
    namespace: string | undefined,
    input: KubeObject,
    opts: WriteOptions = {},
  ): KubeObject {
    const obj = clone(input);
    obj.metadata ??= {};
    const meta = obj.metadata;
    if (!meta.name && meta.generateName)
      meta.name = meta.generateName + crypto.randomBytes(3).toString("hex").slice(0, 5);
    if (!meta.name)
      throw new KubeError(
        422,
        "Invalid",
        `${def.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    if (def.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    this.checkNamespace(def, namespace);
    const c = this.collection(def);
    const k = key(meta.namespace, meta.name);
    if (c.has(k)) throw alreadyExists(def, meta.name);
    if (def.status && !opts.keepStatus) delete obj.status;
    meta.uid = crypto.randomUUID();
    meta.generation = 1;
    meta.creationTimestamp = timestamp();
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    obj.apiVersion = apiVersionOf(def.group, obj.apiVersion?.split("/").pop() ?? def.versions[0]!);
    obj.kind = def.kind;
    this.defaulter(def, obj, true);
    opts.check?.(obj);
    this.revision++;
    meta.resourceVersion = String(this.revision);
    c.set(k, obj);
    this.defs.set(meta.uid, def);
    this.emit("ADDED", def, obj);
    return clone(obj);
  }

  /**
   * Replaces an object. `subresource: "status"` writes only `.status`; otherwise `.status` is kept
   * when the kind has a status subresource. A given resourceVersion must match the stored one.
   */
  update(
    def: ResourceDef,
    namespace: string | undefined,
    input: KubeObject,
    opts: WriteOptions & { subresource?: "status" } = {},
  ): KubeObject {
    const name = input.metadata?.name ?? "";
    const c = this.collection(def);
    const k = key(def.namespaced ? namespace : undefined, name);
    const old = c.get(k);
    if (!old) throw notFound(def, name);
    const givenRv = input.metadata?.resourceVersion;
    if (givenRv && givenRv !== old.metadata!.resourceVersion) throw conflict(def, name);
    const uid = input.metadata?.uid;
    if (uid && uid !== old.metadata!.uid)
      throw new KubeError(
        409,
        "Conflict",
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata!.uid}`,
      );
    let next: KubeObject;
    if (opts.subresource === "status") {
      next = { ...clone(old), status: clone(input.status) };
    } else {
      next = clone(input);
      if (def.status && !opts.keepStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = clone(old.status);
      }
      next.metadata = { ...clone(input.metadata ?? {}) };
    }
    const meta = next.metadata!;
    const oldMeta = old.metadata!;
    for (const f of [
      "uid",
      "creationTimestamp",
      "namespace",
      "name",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ] as const) {
      if (oldMeta[f] === undefined) delete meta[f];
      else (meta as Record<string, unknown>)[f] = oldMeta[f];
    }
    if (!meta.labels || Object.keys(meta.labels).length === 0) delete meta.labels;
    if (!meta.annotations || Object.keys(meta.annotations).length === 0) delete meta.annotations;
    if (!meta.finalizers || meta.finalizers.length === 0) delete meta.finalizers;
    // A main write keeps the version the client wrote in (the double does not convert).
    if (opts.subresource === "status" || !input.apiVersion) next.apiVersion = old.apiVersion;
    next.kind = def.kind;
    meta.resourceVersion = oldMeta.resourceVersion;
    if (opts.subresource !== "status") this.defaulter(def, next, false);
    opts.check?.(next);
    if (sameJson(next, old)) return clone(old);
    if (specChanged(old, next)) meta.generation = (oldMeta.generation ?? 1) + 1;
    if (meta.deletionTimestamp && !meta.finalizers && !GRACEFUL.has(collectionKey(def))) {
      return this.removeNow(def, next, old);
    }
    this.revision++;
    meta.resourceVersion = String(this.revision);
    c.set(k, next);
    this.emit("MODIFIED", def, next, old);
    return clone(next);
  }

  /**
   * Deletes an object: at once when it has no finalizers and its kind is not deleted gracefully,
   * otherwise by setting deletionTimestamp. Returns the object and whether it is gone.
   */
  delete(
    def: ResourceDef,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): { object: KubeObject; gone: boolean } {
    const c = this.collection(def);
    const k = key(def.namespaced ? namespace : undefined, name);
    const old = c.get(k);
    if (!old) throw notFound(def, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata!.uid)
      throw new KubeError(
        409,
        "Conflict",
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata!.uid}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata!.resourceVersion)
      throw conflict(def, name);
    const orphan = (opts.propagationPolicy ?? defaultPropagation(def)) === "Orphan";
    const pending = orphan || (old.metadata!.finalizers?.length ?? 0) > 0 || GRACEFUL.has(collectionKey(def));
    if (!pending) return { object: this.removeNow(def, clone(old), old), gone: true };
    if (old.metadata!.deletionTimestamp) return { object: clone(old), gone: false };
    const next = clone(old);
    next.metadata!.deletionTimestamp = timestamp();
    next.metadata!.deletionGracePeriodSeconds =
      opts.gracePeriodSeconds ?? (def.kind === "Pod" ? (next.spec?.terminationGracePeriodSeconds ?? 30) : 0);
    if (orphan) {
      next.metadata!.finalizers = [...new Set([...(next.metadata!.finalizers ?? []), "orphan"])];
    }
    if (def.kind === "Namespace") next.status = { ...(next.status ?? {}), phase: "Terminating" };
    this.revision++;
    next.metadata!.resourceVersion = String(this.revision);
    c.set(k, next);
    this.emit("MODIFIED", def, next, old);
    return { object: clone(next), gone: false };
  }

  /** Removes an object now (controllers finishing a graceful deletion). */
  finalize(def: ResourceDef, namespace: string | undefined, name: string): void {
    const c = this.collection(def);
    const old = c.get(key(def.namespaced ? namespace : undefined, name));
    if (old) this.removeNow(def, clone(old), old);
  }

  private removeNow(def: ResourceDef, last: KubeObject, old: KubeObject): KubeObject {
    const meta = last.metadata!;
    this.revision++;
    meta.resourceVersion = String(this.revision);
    this.collection(def).delete(key(meta.namespace, meta.name!));
    this.defs.delete(meta.uid!);
    this.emit("DELETED", def, last, old);
    return clone(last);
  }

  /** Finds any stored object by uid (for owner references). */
  byUid(uid: string): { def: ResourceDef; object: KubeObject } | undefined {
    const def = this.defs.get(uid);
    if (!def) return undefined;
    for (const o of this.collection(def).values())
      if (o.metadata!.uid === uid) return { def, object: clone(o) };
    return undefined;
  }
}

/** batch/v1 Jobs default to orphaning their pods when deleted through the API (kubectl asks for Background). */
const defaultPropagation = (def: ResourceDef) =>
  def.group === "batch" && def.kind === "Job" ? "Orphan" : "Background";

function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !sameJson(strip(a), strip(b));
}
