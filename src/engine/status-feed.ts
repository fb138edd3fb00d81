/**
 * Waiting in one place. The reconciler publishes the id of every deployment whose status it wrote
 * or whose workloads the driver reported changed; a caller awaits a check of its own with a
 * deadline, re-run on each publish for that deployment (and, as a backstop for writes made by
 * another control plane on the same PostgreSQL, every `recheckMs`). Replaces hand-written polling
 * loops in the pause, resume, redeploy and wake paths.
 */

import { after, type Clock, every, systemClock } from "../util/clock.js";

type Waiter = () => void;

export interface AwaitOptions {
  /** Give up after this long (ms); the answer is then undefined. */
  timeoutMs: number;
  /** Re-run the check at least this often even without a publish (ms). */
  recheckMs?: number;
}

const DEFAULT_RECHECK_MS = 100;

export class StatusFeed {
  private readonly waiters = new Map<string, Set<Waiter>>();

  /** Deadlines and backstop re-checks run on `clock`'s timers. */
  constructor(private readonly clock: Clock = systemClock) {}

  /** Something about deployment `id` changed: every check waiting on it runs again. */
  publish(id: string): void {
    const set = this.waiters.get(id);
    if (set) for (const w of [...set]) w();
  }

  /**
   * Runs `check` now and after every change of deployment `id` until it answers something other
   * than undefined, or the deadline passes (undefined). Checks never overlap.
   */
  async await<T>(
    id: string,
    check: () => Promise<T | undefined> | T | undefined,
    opts: AwaitOptions,
  ): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      let pending = false;
      let running = false;
      let done = false;
      const finish = (v: T | undefined, err?: unknown) => {
        if (done) return;
        done = true;
        cancelDeadline();
        cancelBackstop();
        this.waiters.get(id)?.delete(wake);
        if (this.waiters.get(id)?.size === 0) this.waiters.delete(id);
        if (err !== undefined) reject(err);
        else resolve(v);
      };
      const run = async () => {
        if (done) return;
        if (running) {
          pending = true;
          return;
        }
        running = true;
        try {
          do {
            pending = false;
            const v = await check();
            if (v !== undefined) return finish(v);
          } while (pending && !done);
        } catch (err) {
          finish(undefined, err);
        } finally {
          running = false;
        }
      };
      const wake = () => void run();
      const cancelDeadline = after(this.clock, opts.timeoutMs, () => finish(undefined));
      const cancelBackstop = every(this.clock, opts.recheckMs ?? DEFAULT_RECHECK_MS, wake);
      // Subscribed before the first check, so a publish that lands during it is not lost.
      const set = this.waiters.get(id) ?? new Set<Waiter>();
      this.waiters.set(id, set);
      set.add(wake);
      void run();
    });
  }
}
