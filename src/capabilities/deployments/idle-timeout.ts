/**
 * Idle timeout: pause after this long without activity (proxied request, heartbeat, mention);
 * null turns idle pause off. Setting it counts as activity. The pausing itself is the engine's
 * idle pauser.
 */
import type { Deployment } from "../../domain/deployment.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { assertMutable, type DeploymentsDeps, nowIso } from "./context.js";
import { addLifecycleEvent } from "./events.js";

/** Pause after this long without activity; null turns idle pause off. */
export async function setIdleTimeout(
  deps: DeploymentsDeps,
  caller: Principal,
  d: Deployment,
  idleTimeoutMs: number | null,
): Promise<Deployment> {
  requireScope(caller, "deployments:write");
  assertMutable(d);
  const at = nowIso(deps);
  await deps.store.transaction(async (tx) => {
    await tx.deployments.update(d.id, {
      idle_timeout_ms: idleTimeoutMs,
      last_active_at: at,
      updated_at: at,
    });
    const what =
      idleTimeoutMs === null ? "idle pause off" : `idle pause after ${Math.round(idleTimeoutMs / 1000)}s`;
    await addLifecycleEvent(tx, d.id, "idle_timeout_changed", d.status, d.status, what, actorOf(caller), at);
  });
  return { ...d, idleTimeoutMs, updatedAt: at };
}
