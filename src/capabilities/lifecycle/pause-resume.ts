/**
 * Pause and resume of a deployment's sandboxes, as durable operations under the namespace lock.
 * Pause scales the target workload to 0 (its volume stays); when no workload is left running the
 * deployment is `paused`. Resume scales back and waits until the deployment is ready again.
 */
import {
  type Deployment,
  desiredReplicas,
  toDeployment,
  workloadKey,
  workloadNamed,
} from "../../domain/deployment.js";
import { BerthError, conflict, notFound, unprocessable } from "../../domain/errors.js";
import { canPause, canResume, pauseIsNoop, resumeIsNoop, settledOutcome } from "../../domain/lifecycle.js";
import type { OperationContext, OperationRunner } from "../../engine/operations.js";
import type { StatusFeed } from "../../engine/status-feed.js";
import type { RuntimeDriver } from "../../runtime/driver.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { addLifecycleEvent } from "../deployments/events.js";

export interface PauseResumeDeps {
  store: Store;
  clock: Clock;
  driver: RuntimeDriver;
  ops: OperationRunner;
  /** Asks the reconciler to converge a deployment. */
  enqueue(deploymentId: string): void;
  feed: StatusFeed;
  /** How long pause and resume wait for the runtime (ms). */
  operationTimeoutMs: number;
}

export interface Target {
  workload: string | null;
  actor: string;
  reason: string;
}

export class PauseResume {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly driver: RuntimeDriver;
  private readonly ops: OperationRunner;
  private readonly feed: StatusFeed;
  private readonly notify: (id: string) => void;
  private readonly timeoutMs: number;

  constructor(deps: PauseResumeDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.driver = deps.driver;
    this.ops = deps.ops;
    this.feed = deps.feed;
    this.notify = deps.enqueue;
    this.timeoutMs = deps.operationTimeoutMs;
    this.ops.register("pause", (ctx) => this.runPause(ctx));
    this.ops.register("resume", (ctx) => this.runResume(ctx));
  }

  /** The workload an `agentId` names (workload name, or the agent id of an agent deployment). */
  targetOf(d: Deployment, agentId: string | undefined): string | null {
    const w = workloadNamed(d, agentId);
    if (!w && agentId !== undefined) throw notFound(`agent ${agentId} in this deployment`);
    return d.config.workloads.length <= 1 ? null : (w?.name ?? null);
  }

  async pause(
    caller: Principal,
    d: Deployment,
    agentId?: string,
    reason = "paused by user",
  ): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    return this.pauseAs(d, this.targetOf(d, agentId), actorOf(caller), reason);
  }

  async pauseAs(d: Deployment, workload: string | null, actor: string, reason: string): Promise<Deployment> {
    if (!d.isCurrent) throw conflict("cannot pause a historical deployment");
    if (pauseIsNoop(d.status) || (workload !== null && (await this.replicasOf(d, workload)) === 0)) return d;
    if (!canPause(d.status)) throw unprocessable(`cannot pause a deployment in status ${d.status}`);
    const { done } = await this.ops.start({
      kind: "pause",
      namespace: d.namespaceId,
      deploymentId: d.id,
      phase: "stopping",
      payload: { workload, actor, reason } satisfies Target,
    });
    await done;
    return this.reload(d.id);
  }

  async resume(caller: Principal, d: Deployment, agentId?: string): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    return this.resumeAs(d, this.targetOf(d, agentId), actorOf(caller), "resumed by user");
  }

  async resumeAs(d: Deployment, workload: string | null, actor: string, reason: string): Promise<Deployment> {
    if (!d.isCurrent) throw conflict("cannot resume a historical deployment");
    if (resumeIsNoop(d.status)) return d;
    if (!canResume(d.status)) throw unprocessable(`cannot resume a deployment in status ${d.status}`);
    const { done } = await this.ops.start({
      kind: "resume",
      namespace: d.namespaceId,
      deploymentId: d.id,
      phase: "starting",
      payload: { workload, actor, reason } satisfies Target,
    });
    await done;
    return this.reload(d.id);
  }

  private async reload(id: string): Promise<Deployment> {
    const row = await this.store.deployments.get(id);
    if (!row) throw notFound("deployment");
    return toDeployment(row);
  }

  private async replicasOf(d: Deployment, workload: string): Promise<number> {
    const rows = await this.store.deployments.workloads(d.id);
    return rows.find((w) => w.name === workload)?.desired_replicas ?? 0;
  }

  private runPause(ctx: OperationContext): Promise<void> {
    return this.pauseWithin(ctx.op.deployment_id, ctx.payload<Target>());
  }

  private runResume(ctx: OperationContext): Promise<void> {
    return this.resumeWithin(ctx.op.deployment_id, ctx.payload<Target>());
  }

  /** The pause itself, for a caller that already holds the namespace lock (operations). */
  async pauseWithin(deploymentId: string, t: Target): Promise<void> {
    const d = await this.reload(deploymentId);
    const at = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.deployments.setWorkloadReplicas(d.id, t.workload ?? undefined, 0, at);
      const left = (await tx.deployments.workloads(d.id)).filter((w) => w.desired_replicas > 0);
      if (left.length > 0) return;
      await tx.transition({
        id: d.id,
        event: { type: "pause" },
        set: { status_reason: t.reason, updated_at: at },
        record: { type: "pausing", message: t.reason, actor: t.actor, at },
      });
    });
    this.notify(d.id);
    const keys = (t.workload ? [t.workload] : d.config.workloads.map((w) => w.name)).map((w) =>
      workloadKey(d.id, w),
    );
    const stopped = await this.feed.await(
      d.id,
      async () => {
        const running = keys.some((k) => (this.driver.status(k)?.replicas ?? []).some((r) => r.pid !== null));
        if (running) return undefined;
        return t.workload !== null || pauseIsNoop((await this.reload(d.id)).status) ? true : undefined;
      },
      { timeoutMs: this.timeoutMs },
    );
    if (!stopped) throw new BerthError("RUNTIME_FAILED", "pause did not complete in time");
  }

  /** The resume itself, for a caller that already holds the namespace lock (operations). */
  async resumeWithin(deploymentId: string, t: Target): Promise<void> {
    const d = await this.reload(deploymentId);
    const at = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      for (const w of d.config.workloads) {
        if (t.workload === null || t.workload === w.name) {
          await tx.deployments.setWorkloadReplicas(d.id, w.name, desiredReplicas(d, w), at);
        }
      }
      await tx.transition({
        id: d.id,
        event: { type: "resume" },
        set: { status_reason: t.reason, last_error: null, updated_at: at },
        record: { type: "resuming", message: t.reason, actor: t.actor, at },
      });
    });
    this.notify(d.id);
    const outcome = await this.feed.await(
      d.id,
      async () => settledOutcome((await this.reload(d.id)).status),
      { timeoutMs: this.timeoutMs },
    );
    if (outcome === "ready") return;
    const reason =
      outcome === "failed"
        ? "resume failed: the runtime could not start the sandbox"
        : "resume failed: not ready in time";
    const failedAt = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.deployments.setWorkloadReplicas(d.id, t.workload ?? undefined, 0, failedAt);
      await tx.transition({
        id: d.id,
        event: { type: "resumeFailed" },
        set: { status_reason: reason, last_error: reason, updated_at: failedAt },
        record: { type: "resume_failed", message: reason, actor: t.actor, at: failedAt, always: true },
      });
    });
    this.notify(d.id);
    throw new BerthError("RUNTIME_FAILED", reason);
  }
}

export const addEvent = addLifecycleEvent;
