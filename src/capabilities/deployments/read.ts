/**
 * Reads of deployments for a caller: by id, by name (a redeployed name follows its namespace's
 * current deployment), and lists limited to the teams the caller may see. Another team's
 * deployment is not found.
 */
import { type Deployment, toDeployment } from "../../domain/deployment.js";
import type { DeploymentFilter } from "../../store/repos/deployments.js";
import { assertOwned, type Principal, requireScope, visibleTeam } from "../auth/principal.js";
import type { DeploymentsDeps } from "./context.js";

export async function getOwnedByName(
  deps: Pick<DeploymentsDeps, "store">,
  caller: Principal,
  name: string,
): Promise<Deployment> {
  requireScope(caller, "deployments:read");
  const row = assertOwned(caller, await deps.store.deployments.getByName(name), "deployment");
  // a redeployed deployment's name keeps addressing the deployment now serving its namespace
  // (the same incarnation only: a later namespace of the same name is someone else's)
  const current = row.is_current ? row : await deps.store.deployments.currentIn(row.namespace);
  const same = current?.namespace_id === row.namespace_id ? current : undefined;
  return toDeployment(assertOwned(caller, same, "deployment"));
}

export async function getOwned(
  deps: Pick<DeploymentsDeps, "store">,
  caller: Principal,
  id: string,
): Promise<Deployment> {
  requireScope(caller, "deployments:read");
  return toDeployment(assertOwned(caller, await deps.store.deployments.get(id), "deployment"));
}

export async function listDeployments(
  deps: Pick<DeploymentsDeps, "store">,
  caller: Principal,
  filter: Omit<DeploymentFilter, "teamId"> & { teamId?: string },
): Promise<Deployment[]> {
  requireScope(caller, "deployments:read");
  const teamId = visibleTeam(caller, filter.teamId);
  if (teamId === null) return [];
  const rows = await deps.store.deployments.list({ ...filter, teamId });
  return rows.map(toDeployment);
}
