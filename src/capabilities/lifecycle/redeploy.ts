/**
 * Redeploy: a new current deployment in the same namespace (same volumes), from the deployed
 * snapshot, the linked template's latest revision, another accessible template, or an explicit
 * config snapshot checked by the server-side policy. The previous deployment becomes historical.
 * Runs as a durable operation: the new deployment is written (id chosen up front) under the lock,
 * then the old processes stop before the new ones start on the shared volumes. A new deployment
 * that fails or is not ready in time is rolled back: it ends `failed`, and once its processes have
 * stopped the previous deployment is current again and serves as before (issue 13 §8).
 */
import { missingRequiredEnv, type RunnableConfig } from "../../domain/config-spec.js";
import { type Deployment, desiredReplicas, toDeployment } from "../../domain/deployment.js";
import { BerthError, conflict, unprocessable } from "../../domain/errors.js";
import { newId } from "../../domain/ids.js";
import { isDestroyed, isMutable, isStopped, pauseIsNoop, settledOutcome } from "../../domain/lifecycle.js";
import type { CanonicalStatus } from "../../domain/status.js";
import type { OperationContext, OperationRunner } from "../../engine/operations.js";
import type { StatusFeed } from "../../engine/status-feed.js";
import type { RuntimeDriver } from "../../runtime/driver.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import type { ConfigPolicy } from "../config-policy.js";
import type { DeploymentEnv } from "../deployments/env.js";
import type { DeploymentsService } from "../deployments/service.js";
import type { TemplatesService } from "../templates/service.js";

export interface RedeployerDeps {
  store: Store;
  clock: Clock;
  driver: RuntimeDriver;
  ops: OperationRunner;
  deployments: DeploymentsService;
  templates: TemplatesService;
  env: DeploymentEnv;
  policy: ConfigPolicy;
  /** Asks the reconciler to converge a deployment. */
  enqueue(deploymentId: string): void;
  feed: StatusFeed;
  /** How long a redeploy waits for the old processes to stop and the new ones to get ready (ms). */
  operationTimeoutMs: number;
}

export interface RedeployInput {
  mode?: "snapshot" | "template";
  templateSlug?: string;
  configSnapshot?: RunnableConfig;
  envVars?: Record<string, string>;
}

interface Payload {
  newId: string;
  oldId: string;
  /** The replaced deployment's status, restored by a rollback (absent in older operations). */
  oldStatus?: string;
}

/** The status reason of a previous deployment made current again, until its processes restart. */
const RESTORING = "restoring after a failed redeploy";

export class Redeployer {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly driver: RuntimeDriver;
  private readonly ops: OperationRunner;
  private readonly deployments: DeploymentsService;
  private readonly templates: TemplatesService;
  private readonly env: DeploymentEnv;
  private readonly policy: ConfigPolicy;
  private readonly notify: (id: string) => void;
  private readonly feed: StatusFeed;
  private readonly timeoutMs: number;

  constructor(deps: RedeployerDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.driver = deps.driver;
    this.ops = deps.ops;
    this.deployments = deps.deployments;
    this.templates = deps.templates;
    this.env = deps.env;
    this.policy = deps.policy;
    this.notify = deps.enqueue;
    this.feed = deps.feed;
    this.timeoutMs = deps.operationTimeoutMs;
    this.ops.register("redeploy", (ctx) => this.run(ctx));
  }

  async redeploy(caller: Principal, d: Deployment, input: RedeployInput): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    if (!d.isCurrent) throw conflict("cannot redeploy a historical deployment");
    if (!isMutable(d.status)) throw unprocessable(`cannot redeploy a deployment in status ${d.status}`);
    const { config, source } = await this.chooseConfig(caller, d, input);
    await this.policy.check(d.teamId, config);
    const declared = new Set(config.envVars.map((v) => v.name));
    const undeclared = Object.keys(input.envVars ?? {}).filter((k) => !declared.has(k));
    if (undeclared.length > 0) {
      throw unprocessable(`env vars not declared by the config: ${undeclared.join(", ")}`);
    }
    const previous = await this.env.read(d.id);
    const env = { ...previous, ...input.envVars };
    const missing = missingRequiredEnv(config.envVars, env);
    if (missing.length > 0) throw unprocessable(`missing required env vars: ${missing.join(", ")}`);

    const id = newId();
    const { done } = await this.ops.start(
      {
        kind: "redeploy",
        namespace: d.namespaceId,
        deploymentId: d.id,
        phase: "creating",
        payload: { newId: id, oldId: d.id, oldStatus: d.status } satisfies Payload,
      },
      async (ctx) => {
        await this.deployments.create({
          id,
          teamId: d.teamId,
          actor: actorOf(caller),
          source,
          config,
          env,
          visibility: d.visibility,
          replicas: d.source.type === "agent" ? d.replicas : undefined,
          replaces: d,
          startStopped: true,
        });
        await ctx.phase("starting");
      },
    );
    await done;
    const row = await this.store.deployments.get(id);
    return toDeployment(row!);
  }

  private async chooseConfig(caller: Principal, d: Deployment, input: RedeployInput) {
    const keep = {
      type: d.source.type,
      templateId: d.source.templateId ?? undefined,
      templateSlug: d.source.templateSlug ?? undefined,
      templateRevision: d.source.templateRevision ?? undefined,
      image: d.source.image ?? undefined,
      agentId: d.source.agentId ?? undefined,
    };
    if (input.configSnapshot) return { config: input.configSnapshot, source: keep };
    const linked = input.templateSlug === undefined && input.mode === "template";
    if (linked && !d.source.templateId) throw unprocessable("this deployment is not linked to a template");
    // the linked template is found by id: its slug may since have been deleted and taken by another team
    const ref = linked ? { id: d.source.templateId! } : input.templateSlug;
    if (ref !== undefined) {
      const t = await this.templates.resolve(caller, ref);
      return {
        config: t.config,
        source: {
          type: "template" as const,
          templateId: t.template.id,
          templateSlug: t.template.slug,
          templateRevision: t.revision.revision,
        },
      };
    }
    return { config: d.config, source: keep };
  }

  /** Phase `starting`: the old processes stop, then the new deployment scales up and gets ready. */
  private async run(ctx: OperationContext): Promise<void> {
    const p = ctx.payload<Payload>();
    const row = await this.store.deployments.get(p.newId);
    if (!row)
      throw new BerthError("INTERNAL", "redeploy was interrupted before its new deployment was written");
    const d = toDeployment(row);
    if (row.is_current !== 1 && settledOutcome(d.status) === "failed") return this.finishRollBack(p);
    this.notify(p.oldId);
    const oldGone = await this.feed.await(
      p.oldId,
      () => (this.driver.keys().some((k) => k.startsWith(`${p.oldId}/`)) ? undefined : true),
      { timeoutMs: this.timeoutMs },
    );
    if (!oldGone) throw new BerthError("RUNTIME_FAILED", "the previous deployment did not stop in time");
    const at = this.clock.now().toISOString();
    for (const w of d.config.workloads) {
      await this.store.deployments.setWorkloadReplicas(d.id, w.name, desiredReplicas(d, w), at);
    }
    this.notify(d.id);
    const outcome = await this.feed.await(
      d.id,
      async () => {
        const now = await this.store.deployments.get(d.id);
        if (now?.is_current !== 1) return "superseded" as const;
        return settledOutcome(now.status as CanonicalStatus);
      },
      { timeoutMs: this.timeoutMs },
    );
    if (outcome !== "ready" && outcome !== "superseded") {
      const reason = `the new deployment ${outcome === "failed" ? "failed to start" : "was not ready in time"}`;
      await this.rollBack(d, p, reason);
      throw new BerthError("RUNTIME_FAILED", `${reason}; the previous deployment ${p.oldId} was restored`);
    }
  }

  /**
   * Gives the namespace back to the deployment the failed one replaced: the new one ends failed
   * and the old one is current again, stopped until the new processes are gone (shared volumes),
   * then started (or left paused, as it was). Each step is a transaction a recovered operation
   * can finish.
   */
  private async rollBack(next: Deployment, p: Payload, reason: string): Promise<void> {
    const old = await this.store.deployments.get(p.oldId);
    if (!old || old.is_current === 1 || !isDestroyed(old.status as CanonicalStatus)) return;
    const at = this.clock.now().toISOString();
    const paused = p.oldStatus !== undefined && pauseIsNoop(p.oldStatus as CanonicalStatus);
    const actor = "system:redeploy";
    await this.store.transaction(async (tx) => {
      await tx.transition({
        id: next.id,
        event: { type: "rolledBack" },
        set: {
          is_current: 0,
          status_reason: `rolled back: ${reason}`,
          last_error: reason,
          ended_at: at,
          updated_at: at,
        },
        record: { type: "rolled_back", message: `${reason}; rolled back`, actor, at, always: true },
      });
      const restored = `restored: redeploy ${next.id} was rolled back (${reason})`;
      await tx.transition({
        id: old.id,
        event: { type: "restored", paused },
        set: { is_current: 1, status_reason: paused ? null : RESTORING, ended_at: null, updated_at: at },
        record: { type: "restored", message: restored, actor, at },
      });
      await tx.deployments.setCurrent(old.namespace_id, old.id);
    });
    this.notify(next.id);
    await this.finishRollBack(p);
  }

  /** The second step of a rollback: the old processes start once the new ones are gone. */
  private async finishRollBack(p: Payload): Promise<void> {
    await this.feed.await(
      p.newId,
      () => (this.driver.keys().some((k) => k.startsWith(`${p.newId}/`)) ? undefined : true),
      { timeoutMs: this.timeoutMs },
    );
    const at = this.clock.now().toISOString();
    const restarted = await this.store.transaction(async (tx) => {
      const old = await tx.deployments.get(p.oldId);
      if (
        old?.is_current !== 1 ||
        !isStopped(old.status as CanonicalStatus) ||
        old.status_reason !== RESTORING
      )
        return false;
      const message = "previous deployment restarted after a rolled-back redeploy";
      const change = await tx.transition({
        id: old.id,
        event: { type: "restart" },
        expected: old.status as CanonicalStatus,
        set: { status_reason: null, updated_at: at },
        record: { type: "restarted", message, actor: "system:redeploy", at },
      });
      return change.outcome === "changed";
    });
    if (restarted) this.notify(p.oldId);
  }
}
