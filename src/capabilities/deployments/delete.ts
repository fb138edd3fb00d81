/**
 * Delete: marks the deployment `deleting` (finalizer style) with its lifecycle and billing events
 * and stops its agent; the reconciler stops the workloads, removes volumes and secrets, then purges
 * the record or keeps it as `destroyed` (`retain`). Deleting twice is a no-op.
 */
import type { Deployment } from "../../domain/deployment.js";
import { newId } from "../../domain/ids.js";
import { isDeletingOrGone } from "../../domain/lifecycle.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { type DeploymentsDeps, nowIso } from "./context.js";

/** The agent status of an agent whose deployment is deleted (SPEC §1 agent statuses). */
const AGENT_STOPPED = "stopped";

export async function deleteDeployment(
  deps: DeploymentsDeps,
  caller: Principal,
  d: Deployment,
  mode: "purge" | "retain",
): Promise<Deployment> {
  requireScope(caller, "deployments:write");
  if (isDeletingOrGone(d.status)) return d;
  const at = nowIso(deps);
  let status = d.status;
  await deps.store.transaction(async (tx) => {
    const change = await tx.transition({
      id: d.id,
      event: { type: "delete" },
      set: { delete_mode: mode, updated_at: at, ended_at: at },
      record: { type: "deleting", message: "deletion requested", actor: actorOf(caller), at },
    });
    if (change.outcome !== "changed") return;
    status = change.to;
    if (d.source.agentId) await tx.agents.update(d.source.agentId, { status: AGENT_STOPPED, updated_at: at });
    await tx.history.addBilling({
      id: newId(),
      team_id: d.teamId,
      type: "deployment.deleted",
      deployment_id: d.id,
      data: JSON.stringify({ name: d.name }),
      created_at: at,
    });
  });
  deps.enqueue(d.id);
  return { ...d, status, updatedAt: at, endedAt: at };
}
