/**
 * Create: a deployment from a template, an image, an agent (agent-deployments.ts) or a redeploy
 * (redeploy.ts). One transaction inserts the record (status `pending`), its namespace, workloads,
 * encrypted env, first revision, lifecycle event and billing event, after the tier check; a
 * redeploy also supersedes the namespace's current deployment in that transaction.
 */
import type { Deployment, SourceType, Visibility } from "../../domain/deployment.js";
import { toDeployment } from "../../domain/deployment.js";
import { BerthError, conflict, invalid, notFound, unprocessable } from "../../domain/errors.js";
import {
  configHash,
  type RunnableConfig,
  resolveDeclaredEnv,
  type WorkloadSpec,
} from "../../domain/config-spec.js";
import { DEPLOYMENT_NAME_PATTERN, newDeploymentName, newId } from "../../domain/ids.js";
import { INITIAL_STATUS, isStillDeploying } from "../../domain/lifecycle.js";
import { notLiveStatuses } from "../../domain/status.js";
import { tierLimit } from "../../domain/tiers.js";
import type { NewDeployment, WorkloadRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import { actingTeam, actorOf, type Principal, requireScope } from "../auth/principal.js";
import { type DeploymentsDeps, nowIso } from "./context.js";
import { addLifecycleEvent } from "./events.js";

export interface NewDeploymentInput {
  teamId: string;
  actor: string;
  name?: string;
  source: {
    type: SourceType;
    templateId?: string;
    templateSlug?: string;
    templateRevision?: number;
    image?: string;
    agentId?: string;
  };
  config: RunnableConfig;
  env: Record<string, string>;
  visibility: Visibility;
  replicas?: number;
  /** Fixed id (redeploys choose it before the write, so a retried operation finds its deployment). */
  id?: string;
  /** A redeploy: the current deployment of the namespace this one replaces (no tier check). */
  replaces?: Deployment;
  /** Insert the workloads at 0 replicas (started later, e.g. once the replaced one has stopped). */
  startStopped?: boolean;
}

/** Whether the team may create another deployment now under its tier limit. */
export async function hasRoom(deps: Pick<DeploymentsDeps, "store">, teamId: string): Promise<boolean> {
  const team = await deps.store.tenancy.getTeam(teamId);
  const limit = team ? tierLimit(team.tier) : 0;
  if (limit === null) return true;
  const live = await deps.store.deployments.count({
    teamId,
    currentOnly: true,
    excludeStatuses: notLiveStatuses(),
  });
  return live < limit;
}

export async function createFromTemplate(
  deps: DeploymentsDeps,
  caller: Principal,
  input: {
    template: string;
    envVars?: Record<string, string>;
    visibility?: Visibility;
    teamId?: string;
    name?: string;
  },
): Promise<Deployment> {
  requireScope(caller, "deployments:write");
  const teamId = actingTeam(caller, input.teamId);
  const resolved = await deps.templates.resolve(caller, input.template);
  const { env, missing } = resolveDeclaredEnv(resolved.config.envVars, input.envVars ?? {});
  if (missing.length > 0) throw invalid(`missing required env vars: ${missing.join(", ")}`);
  return createDeployment(deps, {
    teamId,
    actor: actorOf(caller),
    name: input.name,
    source: {
      type: "template",
      templateId: resolved.template.id,
      templateSlug: resolved.template.slug,
      templateRevision: resolved.revision.revision,
    },
    config: resolved.config,
    env,
    visibility: input.visibility ?? "public",
  });
}

export async function createFromImage(
  deps: DeploymentsDeps,
  caller: Principal,
  input: {
    image: string;
    name?: string;
    containerPort?: number;
    envVars?: Record<string, string>;
    visibility?: Visibility;
    teamId?: string;
  },
): Promise<Deployment> {
  requireScope(caller, "deployments:write");
  const teamId = actingTeam(caller, input.teamId);
  const image = deps.driver.resolveImage(input.image);
  if (!image) {
    throw unprocessable(
      deps.driver.name === "container"
        ? "image must be a container image reference such as nginx:1.27 or registry.example.com/app:v1"
        : `image ${input.image} cannot run on the ${deps.driver.name} runtime: it runs only the images of its catalogue (${deps.driver.capabilities().images.join(", ")}; operators add more with BERTH_LOCAL_IMAGES); run other images on the container runtime (BERTH_RUNTIME=container) or the kubernetes runtime`,
    );
  }
  const workload: WorkloadSpec = {
    name: imageWorkloadName(input.image),
    kind: "service",
    image: input.image,
    args: [],
    env: {},
    port: input.containerPort ?? image.defaultPort ?? 8080,
    replicas: 1,
  };
  return createDeployment(deps, {
    teamId,
    actor: actorOf(caller),
    name: input.name,
    source: { type: "image", image: input.image },
    config: { workloads: [workload], envVars: [] },
    env: input.envVars ?? {},
    visibility: input.visibility ?? "public",
  });
}

/** Inserts a deployment, its namespace, workloads, env, first revision and events; checks the tier limit. */
export async function createDeployment(
  deps: DeploymentsDeps,
  input: NewDeploymentInput,
): Promise<Deployment> {
  if (input.name !== undefined && !DEPLOYMENT_NAME_PATTERN.test(input.name)) {
    throw invalid("name must be 3–40 lowercase letters, digits or dashes, starting with a letter");
  }
  const at = nowIso(deps);
  const id = input.id ?? newId();
  const hash = configHash(input.config);
  const row = await deps.store.transaction(async (tx) => {
    const team = await tx.tenancy.getTeam(input.teamId);
    if (!team) throw notFound("team");
    await tx.tenancy.updateTeamTier(team.id, team.tier, at); // row lock: serialises concurrent creates on PostgreSQL
    const limit = input.replaces ? null : tierLimit(team.tier);
    if (limit !== null) {
      const live = await tx.deployments.count({
        teamId: team.id,
        currentOnly: true,
        excludeStatuses: notLiveStatuses(),
      });
      if (live >= limit) {
        throw new BerthError(
          "LIMIT_REACHED",
          `deployment limit reached: the ${team.tier} tier allows ${limit}`,
        );
      }
    }
    let name = input.name;
    if (name !== undefined) {
      if (await tx.deployments.getByName(name)) throw conflict(`deployment ${name} already exists`);
    } else {
      do name = newDeploymentName();
      while (await tx.deployments.getByName(name));
    }
    const namespace = input.replaces?.namespace ?? name;
    const namespaceId = input.replaces?.namespaceId ?? newId();
    // a new deployment starts a new namespace incarnation; only a redeploy joins an existing one
    if (!input.replaces && !(await tx.deployments.claimNamespace(namespaceId, namespace, team.id, at)))
      throw conflict(`the name ${namespace} is in use`);
    const values: NewDeployment = {
      id,
      name,
      namespace,
      namespace_id: namespaceId,
      team_id: team.id,
      created_by: input.actor,
      source_type: input.source.type,
      template_id: input.source.templateId ?? null,
      template_slug: input.source.templateSlug ?? null,
      template_revision: input.source.templateRevision ?? null,
      image: input.source.image ?? null,
      agent_id: input.source.agentId ?? null,
      config_snapshot: JSON.stringify(input.config),
      config_hash: hash,
      manifest_revision: input.replaces ? input.replaces.manifestRevision + 1 : 1,
      visibility: input.visibility,
      replicas: input.replicas ?? input.config.workloads[0]?.replicas ?? 1,
      auto_update_enabled: 0,
      auto_update_strategy: "rolling",
      status: INITIAL_STATUS,
      status_reason: null,
      last_error: null,
      restart_generation: 0,
      is_current: 1,
      idle_timeout_ms: null,
      delete_mode: null,
      created_at: at,
      updated_at: at,
      ended_at: null,
      archived_at: null,
    };
    if (input.replaces) await supersede(tx, input.replaces, id, input.actor, at);
    await tx.deployments.insert(values);
    await tx.deployments.setCurrent(namespaceId, id);
    await tx.deployments.putWorkloads(
      workloadRows(id, input.config, input.startStopped ? 0 : input.replicas, at),
    );
    await deps.env.write(id, input.env, at, tx);
    await tx.history.addRevision({
      deployment_id: id,
      reason: input.replaces ? "redeploy" : "create",
      message: input.replaces
        ? `redeploy of ${input.replaces.id} from ${describeSource(input.source)}`
        : `created from ${describeSource(input.source)}`,
      config_hash: hash,
      config_snapshot: values.config_snapshot,
      actor: input.actor,
      created_at: at,
    });
    await addLifecycleEvent(
      tx,
      id,
      "created",
      null,
      INITIAL_STATUS,
      `created from ${describeSource(input.source)}`,
      input.actor,
      at,
    );
    await tx.history.addBilling({
      id: newId(),
      team_id: team.id,
      type: "deployment.created",
      deployment_id: id,
      data: JSON.stringify({ name, tier: team.tier }),
      created_at: at,
    });
    return values;
  });
  deps.enqueue(id);
  return toDeployment({ ...row, created_by: row.created_by ?? null } as Parameters<typeof toDeployment>[0]);
}

/** The replaced deployment becomes historical: failed if it never got ready, destroyed otherwise. */
async function supersede(tx: Store, old: Deployment, by: string, actor: string, at: string): Promise<void> {
  await tx.transition({
    id: old.id,
    event: { type: "superseded" },
    set: {
      is_current: 0,
      status_reason: "superseded-by-newer-deployment",
      last_error: isStillDeploying(old.status) ? "superseded-by-newer-deployment" : old.lastError,
      ended_at: at,
      updated_at: at,
    },
    record: { type: "superseded", message: `superseded by deployment ${by}`, actor, at, always: true },
  });
}

export function workloadRows(
  deploymentId: string,
  config: RunnableConfig,
  replicas: number | undefined,
  at: string,
): WorkloadRow[] {
  return config.workloads.map((w, position) => ({
    deployment_id: deploymentId,
    name: w.name,
    kind: w.kind,
    position,
    desired_replicas: replicas ?? w.replicas,
    pvc_name: `berth-data-${w.name}`,
    updated_at: at,
  }));
}

function imageWorkloadName(image: string): string {
  const base = image.split("@")[0]!.split(":")[0]!.split("/").pop() ?? "app";
  const cleaned = base
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 40)
    .replace(/-+$/, "");
  return cleaned || "app";
}

function describeSource(s: NewDeploymentInput["source"]): string {
  switch (s.type) {
    case "template":
      return `template ${s.templateSlug} revision ${s.templateRevision}`;
    case "image":
      return `image ${s.image}`;
    case "agent":
      return `agent ${s.agentId}`;
    case "snapshot":
      return "config snapshot";
  }
}
