/**
 * Level-based reconciler. Writes and runtime changes only enqueue a deployment id; reconcile(id)
 * reads desired state (store) and observed state (driver), takes one step toward convergence and
 * records every status change as a lifecycle event. One reconcile per deployment at a time (a
 * request arriving meanwhile re-runs it once afterwards), at most MAX_CONCURRENT at once (the rest
 * wait in FIFO order, so a resync of thousands never floods the event loop), back-off on errors,
 * periodic resync of the deployments that are not settled.
 */
import type { Logger } from "pino";
import { type Deployment, parseWorkloadKey, toDeployment, workloadKey } from "../domain/deployment.js";
import { newId } from "../domain/ids.js";
import {
  isDeleting,
  isDestroyed,
  isServing,
  type LifecycleEvent,
  SETTLED_WITHOUT_PROCESSES,
  transition,
  wantsProcesses,
} from "../domain/lifecycle.js";
import type { CanonicalStatus } from "../domain/status.js";
import type { RuntimeDriver, RuntimeEvent } from "../runtime/driver.js";
import type { DeploymentUpdate, WorkloadRow } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { after, type Clock, every } from "../util/clock.js";
import { tierPolicy } from "../domain/policy.js";
import { desiredWorkloads, UnrunnableWorkload } from "./desired.js";
import type { StatusFeed } from "./status-feed.js";

/** What the reconciler needs, built once in the composition root. */
export interface ReconcilerDeps {
  store: Store;
  driver: RuntimeDriver;
  /** A deployment's decrypted env values (capabilities/deployments/env.ts). */
  env: { read(deploymentId: string): Promise<Record<string, string>> };
  clock: Clock;
  log: Logger;
  /** Every status the reconciler writes is published here (callers await predicates on it). */
  feed: StatusFeed;
  resyncMs: number;
}

interface Result {
  requeueAfterMs?: number;
}

const NOT_READY_REQUEUE_MS = 1_000;
const OPERATION_WAIT_MS = 500;

/** Removes what a namespace incarnation owns outside the deployments (its backups); idempotent. */
export type NamespaceFinalizer = (namespaceId: string) => Promise<void>;
const RECONCILER_ACTOR = "system:reconciler";
const ERROR_BACKOFF_MAX_MS = 30_000;
const MAX_CONCURRENT = 16;

export class Reconciler {
  private readonly running = new Map<string, Promise<void>>();
  /** Enqueued ids waiting for a free slot, in arrival order. */
  private readonly queued = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, () => void>();
  private readonly failures = new Map<string, number>();
  private stopResync: (() => void) | undefined;
  private started = false;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly namespaceFinalizers: NamespaceFinalizer[] = [];

  private readonly store: Store;
  private readonly driver: RuntimeDriver;
  private readonly env: ReconcilerDeps["env"];
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly feed: StatusFeed;
  private readonly resyncMs: number;

  constructor(deps: ReconcilerDeps) {
    ({
      store: this.store,
      driver: this.driver,
      env: this.env,
      clock: this.clock,
      log: this.log,
      feed: this.feed,
      resyncMs: this.resyncMs,
    } = deps);
  }

  /** Starts reconciling; a stopped reconciler starts again (a control plane that leads again). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    this.unsubscribe.push(
      this.driver.onChange((key) => {
        const parsed = parseWorkloadKey(key);
        if (!parsed) return;
        this.feed.publish(parsed.deploymentId);
        this.enqueue(parsed.deploymentId);
      }),
      this.driver.onEvent((e) => void this.recordRuntimeEvent(e)),
    );
    void this.resync();
    this.stopResync = every(this.clock, this.resyncMs, () => void this.resync());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    this.stopResync?.();
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    for (const u of this.unsubscribe.splice(0)) u();
    this.queued.clear();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Runs when the last deployment of a namespace incarnation is deleted, before its record goes. */
  onNamespaceDeleted(finalizer: NamespaceFinalizer): void {
    this.namespaceFinalizers.push(finalizer);
  }

  /** Asks for a reconcile of the deployment; ignored until `start` (a standby control plane never starts). */
  enqueue(id: string): void {
    if (this.stopped || !this.started) return;
    const cancel = this.timers.get(id);
    if (cancel) {
      cancel();
      this.timers.delete(id);
    }
    if (this.running.has(id)) {
      this.dirty.add(id);
      return;
    }
    this.queued.add(id);
    this.pump();
  }

  private pump(): void {
    for (const id of this.queued) {
      if (this.running.size >= MAX_CONCURRENT || this.stopped) return;
      this.queued.delete(id);
      const run = this.run(id).finally(() => {
        this.running.delete(id);
        if (this.dirty.delete(id)) this.enqueue(id);
        this.pump();
      });
      this.running.set(id, run);
    }
  }

  /** Resolves when no reconcile is in flight or waiting (tests and shutdown). */
  async settle(): Promise<void> {
    while (this.running.size > 0 || this.queued.size > 0) {
      await Promise.allSettled([...this.running.values()]);
      if (this.running.size === 0) this.pump();
      if (this.stopped) return;
    }
  }

  private later(id: string, ms: number): void {
    if (this.stopped || this.timers.has(id)) return;
    const cancel = after(this.clock, ms, () => {
      this.timers.delete(id);
      this.enqueue(id);
    });
    this.timers.set(id, cancel);
  }

  private async run(id: string): Promise<void> {
    try {
      const result = await this.reconcile(id);
      this.failures.delete(id);
      if (result.requeueAfterMs !== undefined) this.later(id, result.requeueAfterMs);
    } catch (err) {
      const n = (this.failures.get(id) ?? 0) + 1;
      this.failures.set(id, n);
      this.log.error({ err, deploymentId: id, attempt: n }, "reconcile failed");
      this.later(id, Math.min(ERROR_BACKOFF_MAX_MS, 100 * 2 ** n));
    }
  }

  private async resync(): Promise<void> {
    try {
      // settled deployments (most of them, paused) are not read; the driver's keys cover any of
      // them that still has a workload
      const ids = new Set(await this.store.deployments.idsExceptStatuses(SETTLED_WITHOUT_PROCESSES));
      for (const id of ids) this.enqueue(id);
      for (const key of this.driver.keys()) {
        const parsed = parseWorkloadKey(key);
        if (parsed && !ids.has(parsed.deploymentId)) this.enqueue(parsed.deploymentId);
      }
    } catch (err) {
      this.log.error({ err }, "resync failed");
    }
  }

  async reconcile(id: string): Promise<Result> {
    const row = await this.store.deployments.get(id);
    const d = row && toDeployment(row);
    if (!row || !d || isDestroyed(d.status)) {
      await this.removeWorkloads(id, []);
      return {};
    }
    const workloads = await this.store.deployments.workloads(id);
    if (isDeleting(d.status)) {
      // a backup or restore still running in the namespace finishes first, so no artifact it
      // writes outlives the namespace
      const op = await this.store.operations.runningIn(d.namespaceId);
      const live = op && (op.lease_expires_at ?? "") > this.clock.now().toISOString();
      if (live && (op.kind === "backup" || op.kind === "restore"))
        return { requeueAfterMs: OPERATION_WAIT_MS };
      await this.finalize(d, workloads, row.delete_mode === "retain" ? "retain" : "purge");
      return {};
    }
    if (!wantsProcesses(d.status)) {
      await this.removeWorkloads(id, []);
      await this.transition(d, { type: "workloadsStopped" }, {}, "workloads stopped");
      return {};
    }
    const env = await this.env.read(id);
    let desired: ReturnType<typeof desiredWorkloads>;
    try {
      const team = await this.store.tenancy.getTeam(d.teamId);
      desired = desiredWorkloads(
        d,
        workloads,
        env,
        this.driver,
        tierPolicy(team?.tier ?? "free").maxPids,
        team ? { id: team.id, tier: team.tier } : undefined,
      );
    } catch (err) {
      if (!(err instanceof UnrunnableWorkload)) throw err;
      await this.fail(d, err.message);
      return {};
    }
    await this.removeWorkloads(
      id,
      desired.filter((w) => w.replicas > 0).map((w) => w.key),
    );
    for (const w of desired) if (w.replicas > 0) await this.driver.apply(w);
    return this.observe(
      d,
      desired.map((w) => ({ key: w.key, replicas: w.replicas, specHash: w.specHash })),
    );
  }

  private async observe(
    d: Deployment,
    wanted: { key: string; replicas: number; specHash: string }[],
  ): Promise<Result> {
    let desired = 0;
    let ready = 0;
    let running = 0;
    let failure: string | undefined;
    let waiting: string | undefined;
    let rolloutFailed: string | undefined;
    for (const w of wanted) {
      desired += w.replicas;
      const st = this.driver.status(w.key);
      if (!st) continue;
      if (st.failedRollout?.specHash === w.specHash)
        rolloutFailed = `rollout failed: ${st.failedRollout.reason}; the previous replicas keep serving`;
      ready += Math.min(st.readyReplicas, w.replicas);
      for (const r of st.replicas) {
        if (r.pid !== null && r.phase !== "stopping") running++;
        if (r.phase === "failed")
          failure = r.reason ?? `replica ${r.index} of ${w.key.split("/")[1]} failed to start`;
        if (r.phase === "backoff" && r.lastExit) {
          waiting = `back-off restarting: exited with ${r.lastExit.code ?? r.lastExit.signal} (${r.restarts} restarts)`;
        }
      }
    }
    if (failure && ready === 0) {
      await this.fail(d, failure);
      return {};
    }
    const event: LifecycleEvent = { type: "observed", desired, ready, running };
    const next = transition(d.status, event);
    const serving = next.ok && isServing(next.to);
    const reason = rolloutFailed ?? (serving ? null : (waiting ?? null));
    if (next.ok && next.to !== d.status) {
      await this.transition(
        d,
        event,
        { status_reason: reason, last_error: rolloutFailed ?? waiting ?? null },
        reason ?? `now ${next.to}`,
      );
    } else if (reason !== d.statusReason) {
      await this.store.transaction(async (tx) => {
        const ok = await tx.deployments.updateIfStatus(d.id, d.status, {
          status_reason: reason,
          // an error that was only the previous reason (a failed rollout since replaced) goes with it
          last_error: rolloutFailed ?? waiting ?? (d.lastError === d.statusReason ? null : d.lastError),
        });
        // a failed rollout is recorded once, when it is first seen (the status does not change)
        if (ok && rolloutFailed) {
          await tx.history.addEvent({
            id: newId(),
            deployment_id: d.id,
            type: "rollout_failed",
            from_status: d.status,
            to_status: d.status,
            message: rolloutFailed,
            actor: RECONCILER_ACTOR,
            created_at: this.clock.now().toISOString(),
          });
        }
      });
    }
    return serving ? {} : { requeueAfterMs: NOT_READY_REQUEUE_MS };
  }

  private fail(d: Deployment, message: string): Promise<void> {
    return this.transition(
      d,
      { type: "workloadFailed" },
      { last_error: message, status_reason: message },
      message,
    );
  }

  /** Applies `event` if the status is still the one this reconcile read, and publishes the change. */
  private async transition(d: Deployment, event: LifecycleEvent, extra: DeploymentUpdate, message: string) {
    const next = transition(d.status, event);
    if (!next.ok || next.to === d.status) return;
    const change = await this.store.transition({
      id: d.id,
      event,
      expected: d.status,
      set: { ...extra, updated_at: this.clock.now().toISOString() },
      record: {
        type: "status_changed",
        message,
        actor: RECONCILER_ACTOR,
        at: this.clock.now().toISOString(),
      },
    });
    if (change.outcome === "changed") this.feed.publish(d.id);
  }

  /** Stops every workload of the deployment the driver runs except those in `keep`. */
  private async removeWorkloads(deploymentId: string, keep: string[]): Promise<void> {
    const prefix = `${deploymentId}/`;
    for (const key of this.driver.keys()) {
      if (key.startsWith(prefix) && !keep.includes(key)) await this.driver.remove(key);
    }
  }

  /**
   * Finalizers in order: workloads; when the namespace empties, its volumes and what else it owns
   * (backups); secrets; then the record, and the namespace, whose name is then free for a new one.
   */
  private async finalize(d: Deployment, workloads: WorkloadRow[], mode: "purge" | "retain"): Promise<void> {
    await this.removeWorkloads(d.id, []);
    const others = (await this.store.deployments.inNamespace(d.namespaceId)).filter(
      (x) => x.id !== d.id && !isDestroyed(x.status as CanonicalStatus),
    );
    if (others.length === 0) {
      for (const w of workloads)
        await this.driver.deleteVolume({ namespace: d.namespaceId, workload: w.name });
      for (const f of this.namespaceFinalizers) await f(d.namespaceId);
    }
    const at = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.deployments.deleteEnv(d.id);
      if (mode === "purge") {
        await tx.history.purgeDeployment(d.id);
        await tx.deployments.delete(d.id);
      } else {
        await tx.transition({
          id: d.id,
          event: { type: "finalized" },
          set: { is_current: 0, updated_at: at },
          record: {
            type: "status_changed",
            message: "workloads stopped and secrets removed",
            actor: RECONCILER_ACTOR,
            at,
          },
        });
      }
      if (others.length === 0) await tx.deployments.deleteNamespace(d.namespaceId);
      else await tx.deployments.setCurrent(d.namespaceId, null);
    });
    this.feed.publish(d.id);
    this.log.info({ deploymentId: d.id, name: d.name, mode }, "deployment deleted");
  }

  private async recordRuntimeEvent(e: RuntimeEvent): Promise<void> {
    const parsed = parseWorkloadKey(e.key);
    if (!parsed) return;
    const at = e.at.toISOString();
    try {
      await this.store.history.addRuntimeEvent({
        id: newId(),
        deployment_id: parsed.deploymentId,
        workload: parsed.workload,
        type: e.type,
        reason: e.reason,
        message: e.message,
        object: e.object,
        count: 1,
        first_seen: at,
        last_seen: at,
      });
    } catch (err) {
      this.log.warn({ err, key: e.key }, "could not record runtime event");
    }
  }
}

export { workloadKey };
