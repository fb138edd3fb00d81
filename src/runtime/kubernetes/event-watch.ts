/**
 * Follows core/v1 Events cluster-wide from now on: events that existed before the driver started
 * are skipped (berth recorded them already), a repeated event (its `count` grew) is reported again.
 * Re-watches from the last version seen; after 410 Gone it lists again and skips what it lists.
 */
import { KubeError, type KubeClient, type KubeObject } from "./kube-client.js";
import { R } from "./resources.js";

export class EventWatch {
  private readonly abort = new AbortController();
  private readonly listeners = new Set<(e: KubeObject) => void>();
  private readonly counts = new Map<string, number>();
  private resourceVersion = "";
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly warn: (err: unknown, msg: string) => void,
    private readonly watchTimeoutSeconds = 300,
  ) {}

  onEvent(l: (e: KubeObject) => void): void {
    this.listeners.add(l);
  }

  async start(): Promise<void> {
    await this.skipExisting();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop?.catch(() => undefined);
  }

  private async skipExisting(): Promise<void> {
    const { items, resourceVersion } = await this.client.list(R.events());
    for (const e of items) this.counts.set(idOf(e), Number(e.count ?? 1));
    this.resourceVersion = resourceVersion;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.client.watch(
          R.events(),
          { resourceVersion: this.resourceVersion, timeoutSeconds: this.watchTimeoutSeconds },
          (w) => {
            if (w.object.metadata?.resourceVersion) this.resourceVersion = w.object.metadata.resourceVersion;
            if (w.type === "DELETED") this.counts.delete(idOf(w.object));
            if (w.type !== "ADDED" && w.type !== "MODIFIED") return;
            const id = idOf(w.object);
            const count = Number(w.object.count ?? 1);
            if ((this.counts.get(id) ?? 0) >= count) return;
            this.counts.set(id, count);
            for (const l of this.listeners) l(w.object);
          },
          signal,
        );
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof KubeError && err.status === 410)) {
          this.warn(err, "event watch failed; retrying");
          await new Promise((r) => setTimeout(r, 500));
        }
        await this.skipExisting().catch(() => undefined);
      }
    }
  }
}

const idOf = (o: KubeObject): string => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
