/**
 * Idle pause: a ready deployment with an idle timeout that has seen no activity (proxied request,
 * heartbeat, mention) for that long is paused, with the reason recorded. Like agent-sandbox's idle
 * shutdown it only writes desired state — every workload at 0 replicas and the `pause` transition
 * (ready → pausing, with its event) in one transaction — and requeues the deployment; the
 * reconciler stops the processes and finishes the pause. A namespace with an operation running
 * (pause, resume, redeploy, backup, restore) is left alone this round. Reads time from the clock.
 */
import type { Logger } from "pino";
import { isServing } from "../domain/lifecycle.js";
import { CANONICAL_STATUSES, type CanonicalStatus } from "../domain/status.js";
import type { DeploymentRow } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { type Clock, every } from "../util/clock.js";

export interface IdlePauserDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Asks the reconciler to converge a deployment. */
  enqueue(deploymentId: string): void;
  /** How often to look for idle deployments (ms). */
  everyMs: number;
}

export const IDLE_PAUSE_ACTOR = "system:idle-pause";
const SERVING = CANONICAL_STATUSES.filter(isServing);

export class IdlePauser {
  private stopTimer: (() => void) | undefined;
  private running = false;

  constructor(private readonly deps: IdlePauserDeps) {}

  start(): void {
    this.stopTimer = every(this.deps.clock, this.deps.everyMs, () => void this.check());
  }

  stop(): void {
    this.stopTimer?.();
  }

  /** One pass: pauses every idle deployment; returns the ids it paused. */
  async check(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    const paused: string[] = [];
    try {
      const now = this.deps.clock.now().getTime();
      const rows = await this.deps.store.deployments.list({ statuses: SERVING, currentOnly: true });
      for (const row of rows) {
        if (row.idle_timeout_ms === null) continue;
        const last = Math.max(Date.parse(row.last_active_at ?? row.updated_at), Date.parse(row.updated_at));
        if (now - last < row.idle_timeout_ms) continue;
        const reason = `idle for ${Math.round((now - last) / 1000)}s (timeout ${Math.round(row.idle_timeout_ms / 1000)}s)`;
        try {
          if (await this.pause(row, reason)) {
            paused.push(row.id);
            this.deps.enqueue(row.id);
          }
        } catch (err) {
          this.deps.log.warn({ err, deploymentId: row.id }, "idle pause failed");
        }
      }
    } finally {
      this.running = false;
    }
    return paused;
  }

  /** Writes the desired state of a pause; false when the deployment changed or its namespace is busy. */
  private pause(row: DeploymentRow, reason: string): Promise<boolean> {
    const at = this.deps.clock.now().toISOString();
    return this.deps.store.transaction(async (tx) => {
      if (await tx.operations.runningIn(row.namespace)) return false;
      const change = await tx.transition({
        id: row.id,
        event: { type: "pause" },
        expected: row.status as CanonicalStatus,
        set: { status_reason: reason, updated_at: at },
        record: { type: "pausing", message: reason, actor: IDLE_PAUSE_ACTOR, at },
      });
      if (change.outcome !== "changed") return false;
      await tx.deployments.setWorkloadReplicas(row.id, undefined, 0, at);
      return true;
    });
  }
}
