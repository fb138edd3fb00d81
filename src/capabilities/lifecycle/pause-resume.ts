/**
 * Pause and resume of a deployment's sandboxes, as durable operations under the namespace lock.
 * Pause scales the target workload to 0 (its volume stays); when no workload is left running the
 * deployment is `paused`. Resume scales back and waits until the deployment is ready again.
 */
import { BerthError, conflict, notFound, unprocessable } from "../../domain/errors.js";
import type { CanonicalStatus } from "../../domain/status.js";
import type { OperationContext, OperationRunner } from "../../engine/operations.js";
import type { RuntimeDriver } from "../../runtime/driver.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { pollUntil } from "../../util/wait.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { addLifecycleEvent } from "../deployments/events.js";
import { type Deployment, toDeployment, workloadKey } from "../deployments/model.js";

const PAUSABLE: CanonicalStatus[] = ["ready", "running", "deploying", "pending"];
const RESUMABLE: CanonicalStatus[] = ["paused", "pausing", "stopped"];

export interface Target {
  workload: string | null;
  actor: string;
  reason: string;
}

export class PauseResume {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly driver: RuntimeDriver,
    private readonly ops: OperationRunner,
    private readonly notify: (id: string) => void,
    private readonly timeoutMs: number,
  ) {
    ops.register("pause", (ctx) => this.runPause(ctx));
    ops.register("resume", (ctx) => this.runResume(ctx));
  }

  /** The workload an `agentId` names (workload name, or the agent id of an agent deployment). */
  targetOf(d: Deployment, agentId: string | undefined): string | null {
    if (agentId === undefined) {
      const first = d.config.workloads.find((w) => w.kind === "agent") ?? d.config.workloads[0];
      return d.config.workloads.length <= 1 ? null : (first?.name ?? null);
    }
    const w =
      d.config.workloads.find((x) => x.name === agentId) ??
      (d.source.agentId === agentId ? d.config.workloads[0] : undefined);
    if (!w) throw notFound(`agent ${agentId} in this deployment`);
    return d.config.workloads.length <= 1 ? null : w.name;
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
    if (d.status === "paused" || (workload !== null && (await this.replicasOf(d, workload)) === 0)) return d;
    if (!PAUSABLE.includes(d.status)) throw unprocessable(`cannot pause a deployment in status ${d.status}`);
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
    if (d.status === "ready") return d;
    if (!RESUMABLE.includes(d.status))
      throw unprocessable(`cannot resume a deployment in status ${d.status}`);
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
      if (left.length === 0 && d.status !== "paused" && d.status !== "pausing") {
        await tx.deployments.update(d.id, { status: "pausing", status_reason: t.reason, updated_at: at });
        await addEvent(tx, d.id, "pausing", d.status, "pausing", t.reason, t.actor, at);
      }
    });
    this.notify(d.id);
    const keys = (t.workload ? [t.workload] : d.config.workloads.map((w) => w.name)).map((w) =>
      workloadKey(d.id, w),
    );
    const stopped = await pollUntil(async () => {
      const running = keys.some((k) => (this.driver.status(k)?.replicas ?? []).some((r) => r.pid !== null));
      const now = await this.reload(d.id);
      return !running && (t.workload !== null || now.status === "paused") ? true : undefined;
    }, this.timeoutMs);
    if (!stopped) throw new BerthError("RUNTIME_FAILED", "pause did not complete in time");
  }

  /** The resume itself, for a caller that already holds the namespace lock (operations). */
  async resumeWithin(deploymentId: string, t: Target): Promise<void> {
    const d = await this.reload(deploymentId);
    const at = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      for (const w of d.config.workloads) {
        if (t.workload === null || t.workload === w.name) {
          await tx.deployments.setWorkloadReplicas(
            d.id,
            w.name,
            d.source.type === "agent" ? d.replicas : w.replicas,
            at,
          );
        }
      }
      if (d.status !== "resuming" && d.status !== "ready") {
        await tx.deployments.update(d.id, {
          status: "resuming",
          status_reason: t.reason,
          last_error: null,
          updated_at: at,
        });
        await addEvent(tx, d.id, "resuming", d.status, "resuming", t.reason, t.actor, at);
      }
    });
    this.notify(d.id);
    const outcome = await pollUntil(
      async () => {
        const now = await this.reload(d.id);
        if (now.status === "ready") return "ready" as const;
        if (now.status === "failed") return "failed" as const;
        return undefined;
      },
      this.timeoutMs,
      5,
    );
    if (outcome === "ready") return;
    const reason =
      outcome === "failed"
        ? "resume failed: the runtime could not start the sandbox"
        : "resume failed: not ready in time";
    const failedAt = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.deployments.setWorkloadReplicas(d.id, t.workload ?? undefined, 0, failedAt);
      const current = await tx.deployments.get(d.id);
      await tx.deployments.update(d.id, {
        status: "paused",
        status_reason: reason,
        last_error: reason,
        updated_at: failedAt,
      });
      await addEvent(tx, d.id, "resume_failed", current?.status ?? null, "paused", reason, t.actor, failedAt);
    });
    this.notify(d.id);
    throw new BerthError("RUNTIME_FAILED", reason);
  }
}

export const addEvent = addLifecycleEvent;
