/**
 * Auto-update: a deployment opted in follows its template. Setting it records an
 * `auto_update_changed` event; a new template revision moves every opted-in, live, current
 * deployment of that template to it (config, workloads, revision and `auto_updated` event in one
 * transaction), and the reconciler rolls the processes with the deployment's strategy.
 */
import type { UpdateStrategy } from "../../domain/deployment.js";
import { toDeployment } from "../../domain/deployment.js";
import { configHash, type RunnableConfig } from "../../domain/config-spec.js";
import { notFound } from "../../domain/errors.js";
import { isLive } from "../../domain/lifecycle.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { assertMutable, type DeploymentsDeps, nowIso } from "./context.js";
import { workloadRows } from "./create.js";
import { addLifecycleEvent } from "./events.js";
import { getOwnedByName } from "./read.js";

const AUTO_UPDATE_ACTOR = "system:auto-update";

export async function setAutoUpdate(
  deps: DeploymentsDeps,
  caller: Principal,
  name: string,
  input: { enabled: boolean; strategy?: UpdateStrategy },
) {
  requireScope(caller, "deployments:write");
  const d = await getOwnedByName(deps, caller, name);
  assertMutable(d);
  const strategy = input.strategy ?? d.autoUpdate.strategy;
  const at = nowIso(deps);
  await deps.store.transaction(async (tx) => {
    await tx.deployments.update(d.id, {
      auto_update_enabled: input.enabled ? 1 : 0,
      auto_update_strategy: strategy,
      updated_at: at,
    });
    await addLifecycleEvent(
      tx,
      d.id,
      "auto_update_changed",
      d.status,
      d.status,
      `auto-update ${input.enabled ? "enabled" : "disabled"} (${strategy})`,
      actorOf(caller),
      at,
    );
  });
  return { enabled: input.enabled, strategy };
}

/** Moves every opted-in current deployment linked to this template (by id) to its new revision. */
export async function autoUpdate(
  deps: DeploymentsDeps,
  templateId: string,
  revision: number,
): Promise<string[]> {
  // only this template's current deployments are read, not every deployment
  const rows = await deps.store.deployments.list({ templateId, currentOnly: true });
  const targets = rows.map(toDeployment).filter((d) => d.autoUpdate.enabled && isLive(d.status));
  const t = await deps.store.templates.get(templateId);
  const rev = t && (await deps.store.templates.getRevision(t.id, revision));
  if (!t || !rev) throw notFound("template revision");
  const resolved = { template: t, revision: rev, config: JSON.parse(rev.config) as RunnableConfig };
  const slug = t.slug;
  const updated: string[] = [];
  for (const d of targets) {
    const at = nowIso(deps);
    const hash = configHash(resolved.config);
    await deps.store.transaction(async (tx) => {
      await tx.deployments.update(d.id, {
        config_snapshot: JSON.stringify(resolved.config),
        config_hash: hash,
        template_revision: revision,
        manifest_revision: d.manifestRevision + 1,
        updated_at: at,
      });
      await tx.deployments.putWorkloads(workloadRows(d.id, resolved.config, undefined, at));
      await tx.history.addRevision({
        deployment_id: d.id,
        reason: "auto-update",
        message: `template ${slug} revision ${revision} (${d.autoUpdate.strategy})`,
        config_hash: hash,
        config_snapshot: JSON.stringify(resolved.config),
        actor: AUTO_UPDATE_ACTOR,
        created_at: at,
      });
      await addLifecycleEvent(
        tx,
        d.id,
        "auto_updated",
        d.status,
        d.status,
        `updating to template revision ${revision}`,
        AUTO_UPDATE_ACTOR,
        at,
      );
    });
    deps.enqueue(d.id);
    updated.push(d.id);
  }
  return updated;
}
