/**
 * Restart: new processes for every workload (the restart generation is part of the spec hash, like
 * a restart annotation); a stopped or failed deployment is revived (`deploying`). Records a
 * revision and a `restarted` event in the same transaction.
 */
import type { Deployment } from "../../domain/deployment.js";
import { transition } from "../../domain/lifecycle.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { assertMutable, type DeploymentsDeps, nowIso } from "./context.js";

export async function restartDeployment(
  deps: DeploymentsDeps,
  caller: Principal,
  d: Deployment,
  message = "restart requested",
): Promise<Deployment> {
  requireScope(caller, "deployments:write");
  assertMutable(d);
  const at = nowIso(deps);
  const planned = transition(d.status, { type: "restart" });
  const next = planned.ok ? planned.to : d.status;
  await deps.store.transaction(async (tx) => {
    await tx.deployments.update(d.id, {
      restart_generation: d.restartGeneration + 1,
      status_reason: null,
      last_error: next === d.status ? d.lastError : null,
      ended_at: null,
      updated_at: at,
    });
    await tx.history.addRevision({
      deployment_id: d.id,
      reason: "restart",
      message,
      config_hash: d.configHash,
      config_snapshot: JSON.stringify(d.config),
      actor: actorOf(caller),
      created_at: at,
    });
    await tx.transition({
      id: d.id,
      event: { type: "restart" },
      record: { type: "restarted", message, actor: actorOf(caller), at, always: true },
    });
  });
  deps.enqueue(d.id);
  return { ...d, status: next, restartGeneration: d.restartGeneration + 1, updatedAt: at };
}
