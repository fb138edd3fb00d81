/**
 * A list-then-watch cache of one resource across namespaces (the informer pattern of client-go):
 * lists, then watches from the list's resourceVersion with bookmarks, re-watches from the last
 * version seen when the server ends a watch, and lists again when that version is too old
 * (410 Gone), reporting objects that disappeared meanwhile as deleted. Callers get the object
 * whenever it changes and read the cache; they reconcile state, not add/update/delete branches.
 */
import { isNotFound, KubeError, type KubeClient, type KubeObject, type ResourcePath } from "./kube-client.js";

export type Listener = (obj: KubeObject, deleted: boolean) => void;

export class Informer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly listeners = new Set<Listener>();
  private readonly abort = new AbortController();
  private resourceVersion = "";
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly resource: ResourcePath,
    private readonly labelSelector: string | undefined,
    private readonly warn: (err: unknown, msg: string) => void,
    /** Each watch asks the server to end it after this long (client-go picks 5–10 min); then it resumes. */
    private readonly watchTimeoutSeconds = 300,
  ) {}

  /** Lists once (so the cache is complete when this resolves), then watches in the background. */
  async start(): Promise<void> {
    await this.relist();
    this.loop = this.watchLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  list(): KubeObject[] {
    return [...this.cache.values()];
  }

  get(namespace: string, name: string): KubeObject | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  onChange(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.client.list(this.resource, this.labelSelector);
    const seen = new Set<string>();
    for (const o of items) {
      const id = idOf(o);
      seen.add(id);
      const before = this.cache.get(id);
      this.cache.set(id, o);
      if (before?.metadata.resourceVersion !== o.metadata.resourceVersion) this.emit(o, false);
    }
    for (const [id, o] of this.cache) {
      if (!seen.has(id)) {
        this.cache.delete(id);
        this.emit(o, true);
      }
    }
    this.resourceVersion = resourceVersion;
  }

  private async watchLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.client.watch(
          this.resource,
          {
            labelSelector: this.labelSelector,
            resourceVersion: this.resourceVersion,
            timeoutSeconds: this.watchTimeoutSeconds,
          },
          (e) => {
            if (e.object.metadata?.resourceVersion) this.resourceVersion = e.object.metadata.resourceVersion;
            if (e.type === "BOOKMARK") return;
            const id = idOf(e.object);
            if (e.type === "DELETED") this.cache.delete(id);
            else this.cache.set(id, e.object);
            this.emit(e.object, e.type === "DELETED");
          },
          signal,
        );
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof KubeError && (err.status === 410 || isNotFound(err))) {
          await this.relist().catch((e) => this.warn(e, "informer list failed"));
          continue;
        }
        this.warn(err, "informer watch failed; retrying");
        await new Promise((r) => setTimeout(r, 500));
        await this.relist().catch(() => undefined);
      }
    }
  }

  private emit(o: KubeObject, deleted: boolean): void {
    for (const l of this.listeners) l(o, deleted);
  }
}

const idOf = (o: KubeObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
