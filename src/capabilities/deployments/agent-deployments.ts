/**
 * Deployments of agents (the agent deployments API's model): create from an owned agent with N
 * replicas, scale while running, revive only from stopped or failed, kill (record kept as destroyed).
 */
import { BerthError, invalidState } from "../../domain/errors.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { agentSpecSchema } from "../../domain/config-spec.js";
import { actorOf, assertOwned, type Principal, requireScope } from "../auth/principal.js";
import { tierReplicaLimit } from "../../domain/tiers.js";
import type { Deployment } from "../../domain/deployment.js";
import { canRestart, canScale } from "../../domain/lifecycle.js";
import { addLifecycleEvent } from "./events.js";
import type { DeploymentsService } from "./service.js";

export class AgentDeployments {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly deployments: DeploymentsService,
    private readonly notify: (id: string) => void,
  ) {}

  private async checkReplicas(teamId: string, replicas: number): Promise<void> {
    const team = await this.store.tenancy.getTeam(teamId);
    const limit = tierReplicaLimit(team?.tier ?? "free");
    if (replicas > limit) {
      throw new BerthError(
        "LIMIT_REACHED",
        `the ${team?.tier ?? "free"} tier allows at most ${limit} replicas per deployment`,
      );
    }
  }

  async create(
    caller: Principal,
    input: { agentId: string; replicas?: number; environment?: Record<string, string> },
  ): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    const agent = assertOwned(caller, await this.store.agents.get(input.agentId), "agent");
    const replicas = input.replicas ?? 1;
    await this.checkReplicas(agent.team_id, replicas);
    const spec = agentSpecSchema.parse(JSON.parse(agent.spec));
    const d = await this.deployments.create({
      teamId: agent.team_id,
      actor: actorOf(caller),
      source: { type: "agent", agentId: agent.id },
      config: { workloads: [{ ...spec, replicas }], envVars: [] },
      env: input.environment ?? {},
      visibility: "public",
      replicas,
    });
    await this.store.agents.update(agent.id, {
      status: "running",
      updated_at: this.clock.now().toISOString(),
    });
    return d;
  }

  /** Changes the replica count of every workload; only a running or ready deployment scales. */
  async scale(caller: Principal, d: Deployment, replicas: number): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    if (!canScale(d.status)) throw invalidState("Can only scale running deployments");
    await this.checkReplicas(d.teamId, replicas);
    const at = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.deployments.update(d.id, { replicas, updated_at: at });
      await tx.deployments.setWorkloadReplicas(d.id, undefined, replicas, at);
      await tx.history.addRevision({
        deployment_id: d.id,
        reason: "scale",
        message: `replicas ${d.replicas} → ${replicas}`,
        config_hash: d.configHash,
        config_snapshot: JSON.stringify(d.config),
        actor: actorOf(caller),
        created_at: at,
      });
      await addLifecycleEvent(
        tx,
        d.id,
        "scaled",
        d.status,
        d.status,
        `replicas ${d.replicas} → ${replicas}`,
        actorOf(caller),
        at,
      );
    });
    this.notify(d.id);
    return { ...d, replicas, updatedAt: at };
  }

  /** Restart as the agent deployments API allows it: only from stopped or failed. */
  async revive(caller: Principal, d: Deployment): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    if (!canRestart(d.status)) {
      throw invalidState(`Can only restart stopped or failed deployments (status: ${d.status})`);
    }
    return this.deployments.restart(caller, d, "restarted from stopped/failed");
  }

  async kill(caller: Principal, d: Deployment): Promise<Deployment> {
    return this.deployments.delete(caller, d, "retain");
  }
}
