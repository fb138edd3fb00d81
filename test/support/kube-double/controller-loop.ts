/**
 * Part of the Kubernetes API test double: the loop that runs the double's simulated controllers.
 *
 * Follows the level-based controller pattern of "Controllers" in the Kubernetes docs: every store
 * change (and a periodic resync) marks the world dirty, and each controller then compares desired
 * with observed state for all of its objects and takes a step. Writes that change nothing emit no
 * event, so the loop settles. Controllers run one at a time, never inside a store write.
 */
import type { ObjectStore } from "./store.js";

export interface Controller {
  readonly name: string;
  reconcile(): void | Promise<void>;
}

export class ControllerLoop {
  private dirty = false;
  private running = false;
  private closed = false;
  private readonly unsubscribe: () => void;
  private readonly resync: NodeJS.Timeout;
  private idle: (() => void)[] = [];

  constructor(
    store: ObjectStore,
    private readonly controllers: Controller[],
    resyncMs: number,
    private readonly onError: (controller: string, err: unknown) => void,
  ) {
    this.unsubscribe = store.subscribe(() => this.kick());
    this.resync = setInterval(() => this.kick(), resyncMs);
    this.resync.unref();
  }

  /** Marks the world dirty and schedules a pass if none is running. */
  kick(): void {
    this.dirty = true;
    if (!this.running && !this.closed) {
      this.running = true;
      setImmediate(() => void this.run());
    }
  }

  private async run(): Promise<void> {
    let passes = 0;
    while (this.dirty && !this.closed) {
      this.dirty = false;
      for (const c of this.controllers) {
        if (this.closed) break;
        try {
          await c.reconcile();
        } catch (err) {
          this.onError(c.name, err);
        }
      }
      // A controller that keeps writing must not starve the event loop.
      if (++passes % 20 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    this.running = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Resolves once no pass is running (tests: "the controllers have caught up"). */
  settled(): Promise<void> {
    if (!this.running && !this.dirty) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.resync);
  }
}
