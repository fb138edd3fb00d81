/**
 * Config: a deployment's env values. Reads list names only or mask secrets; a write replaces the
 * values as given (a secret sent back masked keeps its value), refuses missing required vars
 * (400; a declared default counts, and the process gets it), bumps the restart generation so the processes roll, and
 * records a revision and a `config_updated` event in one transaction.
 */
import type { Deployment } from "../../domain/deployment.js";
import { missingRequiredEnv } from "../../domain/config-spec.js";
import { invalid } from "../../domain/errors.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { assertMutable, type DeploymentsDeps, nowIso } from "./context.js";
import { maskSecrets, unmaskSecrets } from "./env.js";
import { addLifecycleEvent } from "./events.js";
import { getOwnedByName } from "./read.js";

/** Names of the env vars set on a deployment (never their values). */
export async function envKeys(deps: DeploymentsDeps, d: Deployment): Promise<string[]> {
  return Object.keys(await deps.env.read(d.id)).sort();
}

/** envKeys of a page of deployments, read in one query. */
export async function envKeysOf(deps: DeploymentsDeps, list: Deployment[]): Promise<Map<string, string[]>> {
  const envs = await deps.env.readMany(list.map((d) => d.id));
  return new Map([...envs].map(([id, env]) => [id, Object.keys(env).sort()]));
}

export async function getConfig(
  deps: DeploymentsDeps,
  caller: Principal,
  name: string,
): Promise<Record<string, string>> {
  const d = await getOwnedByName(deps, caller, name);
  return maskSecrets(await deps.env.read(d.id), d.config.envVars);
}

/** Replaces the env values (secrets sent back masked keep their value) and rolls the processes. */
export async function putConfig(
  deps: DeploymentsDeps,
  caller: Principal,
  name: string,
  configData: Record<string, string>,
) {
  requireScope(caller, "deployments:write");
  const d = await getOwnedByName(deps, caller, name);
  assertMutable(d);
  const previous = await deps.env.read(d.id);
  const env = unmaskSecrets(configData, previous, d.config.envVars);
  const missing = missingRequiredEnv(d.config.envVars, env);
  if (missing.length > 0) throw invalid(`missing required env vars: ${missing.join(", ")}`);
  const at = nowIso(deps);
  await deps.store.transaction(async (tx) => {
    await deps.env.write(d.id, env, at, tx, d.config.envVars);
    await tx.deployments.update(d.id, { restart_generation: d.restartGeneration + 1, updated_at: at });
    await tx.history.addRevision({
      deployment_id: d.id,
      reason: "config",
      message: `env vars replaced (${Object.keys(env).length} set)`,
      config_hash: d.configHash,
      config_snapshot: JSON.stringify(d.config),
      actor: actorOf(caller),
      created_at: at,
    });
    await addLifecycleEvent(
      tx,
      d.id,
      "config_updated",
      d.status,
      d.status,
      "env vars replaced; restarting",
      actorOf(caller),
      at,
    );
  });
  deps.enqueue(d.id);
  return maskSecrets(env, d.config.envVars);
}
