/**
 * Deployment writes shared by every surface: create (from a template, an image or an agent),
 * delete, restart, config and auto-update. Each write commits the record, its revision and its
 * lifecycle event in one transaction, then asks the reconciler to converge.
 */
import { BerthError, conflict, invalid, invalidState, notFound, unprocessable } from "../../domain/errors.js";
import {
  configHash,
  type RunnableConfig,
  resolveDeclaredEnv,
  type WorkloadSpec,
} from "../../domain/config-spec.js";
import { DEPLOYMENT_NAME_PATTERN, newDeploymentName, newId } from "../../domain/ids.js";
import { type CanonicalStatus, isLive } from "../../domain/status.js";
import type { RuntimeDriver } from "../../runtime/driver.js";
import type { NewDeployment, WorkloadRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import {
  actingTeam,
  actorOf,
  assertOwned,
  isAdmin,
  type Principal,
  requireScope,
} from "../auth/principal.js";
import { tierLimit } from "../teams/service.js";
import type { TemplatesService } from "../templates/service.js";
import { type DeploymentEnv, maskSecrets, unmaskSecrets } from "./env.js";
import { addLifecycleEvent } from "./events.js";
import {
  type Deployment,
  type SourceType,
  toDeployment,
  type UpdateStrategy,
  type Visibility,
} from "./model.js";

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

export class DeploymentsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly driver: RuntimeDriver,
    private readonly templates: TemplatesService,
    private readonly env: DeploymentEnv,
    private readonly notify: (deploymentId: string) => void,
  ) {
    templates.onNewRevision((templateId, revision) => {
      void this.autoUpdate(templateId, revision).catch(() => undefined);
    });
  }

  now = (): string => this.clock.now().toISOString();

  async getOwnedByName(caller: Principal, name: string): Promise<Deployment> {
    requireScope(caller, "deployments:read");
    const row = assertOwned(caller, await this.store.deployments.getByName(name), "deployment");
    // a redeployed deployment's name keeps addressing the deployment now serving its namespace
    // (the same incarnation only: a later namespace of the same name is someone else's)
    const current = row.is_current ? row : await this.store.deployments.currentIn(row.namespace);
    const same = current?.namespace_id === row.namespace_id ? current : undefined;
    return toDeployment(assertOwned(caller, same, "deployment"));
  }

  async getOwned(caller: Principal, id: string): Promise<Deployment> {
    requireScope(caller, "deployments:read");
    return toDeployment(assertOwned(caller, await this.store.deployments.get(id), "deployment"));
  }

  async list(
    caller: Principal,
    filter: {
      teamId?: string;
      agentId?: string;
      statuses?: string[];
      skip?: number;
      limit?: number;
      currentOnly?: boolean;
      excludeStatuses?: string[];
    },
  ) {
    requireScope(caller, "deployments:read");
    let teamId = filter.teamId;
    if (!isAdmin(caller)) {
      if (teamId !== undefined && teamId !== caller.teamId) return [];
      teamId = caller.teamId ?? "";
    }
    const rows = await this.store.deployments.list({ ...filter, teamId });
    return rows.map(toDeployment);
  }

  /** Whether the team may create another deployment now under its tier limit. */
  async hasRoom(teamId: string): Promise<boolean> {
    const team = await this.store.tenancy.getTeam(teamId);
    const limit = team ? tierLimit(team.tier) : 0;
    if (limit === null) return true;
    const live = await this.store.deployments.count({
      teamId,
      currentOnly: true,
      excludeStatuses: ["failed", "deleting", "destroyed"],
    });
    return live < limit;
  }

  async createFromTemplate(
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
    const resolved = await this.templates.resolve(caller, input.template);
    const { env, missing } = resolveDeclaredEnv(resolved.config.envVars, input.envVars ?? {});
    if (missing.length > 0) throw invalid(`missing required env vars: ${missing.join(", ")}`);
    return this.create({
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

  async createFromImage(
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
    const image = this.driver.resolveImage(input.image);
    if (!image) {
      throw unprocessable(
        this.driver.name === "container"
          ? "image must be a container image reference such as nginx:1.27 or registry.example.com/app:v1"
          : `image ${input.image} cannot run on the ${this.driver.name} runtime: it runs only the images of its catalogue (${this.driver.capabilities().images.join(", ")}; operators add more with BERTH_LOCAL_IMAGES); run other images on the container runtime (BERTH_RUNTIME=container) or the kubernetes runtime`,
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
    return this.create({
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
  async create(input: NewDeploymentInput): Promise<Deployment> {
    if (input.name !== undefined && !DEPLOYMENT_NAME_PATTERN.test(input.name)) {
      throw invalid("name must be 3–40 lowercase letters, digits or dashes, starting with a letter");
    }
    const at = this.now();
    const id = input.id ?? newId();
    const hash = configHash(input.config);
    const row = await this.store.transaction(async (tx) => {
      const team = await tx.tenancy.getTeam(input.teamId);
      if (!team) throw notFound("team");
      await tx.tenancy.updateTeamTier(team.id, team.tier, at); // row lock: serialises concurrent creates on PostgreSQL
      const limit = input.replaces ? null : tierLimit(team.tier);
      if (limit !== null) {
        const live = await tx.deployments.count({
          teamId: team.id,
          currentOnly: true,
          excludeStatuses: ["failed", "deleting", "destroyed"],
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
        status: "pending",
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
      if (input.replaces) await this.supersede(tx, input.replaces, id, input.actor, at);
      await tx.deployments.insert(values);
      await tx.deployments.setCurrent(namespaceId, id);
      await tx.deployments.putWorkloads(
        workloadRows(id, input.config, input.startStopped ? 0 : input.replicas, at),
      );
      await this.env.write(id, input.env, at, tx);
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
      await this.addEvent(
        tx,
        id,
        "created",
        null,
        "pending",
        `created from ${describeSource(input.source)}`,
        input.actor,
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
    this.notify(id);
    return toDeployment({ ...row, created_by: row.created_by ?? null } as Parameters<typeof toDeployment>[0]);
  }

  /** The replaced deployment becomes historical: failed if it never got ready, destroyed otherwise. */
  private async supersede(tx: Store, old: Deployment, by: string, actor: string, at: string): Promise<void> {
    const stillDeploying = ["pending", "deploying", "running", "resuming"].includes(old.status);
    const to = stillDeploying ? "failed" : "destroyed";
    await tx.deployments.update(old.id, {
      is_current: 0,
      status: to,
      status_reason: "superseded-by-newer-deployment",
      last_error: stillDeploying ? "superseded-by-newer-deployment" : old.lastError,
      ended_at: at,
      updated_at: at,
    });
    await this.addEvent(tx, old.id, "superseded", old.status, to, `superseded by deployment ${by}`, actor);
  }

  /** Marks the deployment deleting; the reconciler stops workloads, removes secrets, then the record. */
  async delete(caller: Principal, d: Deployment, mode: "purge" | "retain"): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    if (d.status === "deleting" || d.status === "destroyed") return d;
    const at = this.now();
    await this.store.transaction(async (tx) => {
      await tx.deployments.update(d.id, {
        status: "deleting",
        delete_mode: mode,
        updated_at: at,
        ended_at: at,
      });
      await this.addEvent(tx, d.id, "deleting", d.status, "deleting", "deletion requested", actorOf(caller));
      if (d.source.agentId) await tx.agents.update(d.source.agentId, { status: "stopped", updated_at: at });
      await tx.history.addBilling({
        id: newId(),
        team_id: d.teamId,
        type: "deployment.deleted",
        deployment_id: d.id,
        data: JSON.stringify({ name: d.name }),
        created_at: at,
      });
    });
    this.notify(d.id);
    return { ...d, status: "deleting", updatedAt: at, endedAt: at };
  }

  /** New processes for every workload (like a restart annotation); revives stopped or failed ones. */
  async restart(caller: Principal, d: Deployment, message = "restart requested"): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    assertMutable(d);
    const at = this.now();
    const next: CanonicalStatus = d.status === "stopped" || d.status === "failed" ? "deploying" : d.status;
    await this.store.transaction(async (tx) => {
      await tx.deployments.update(d.id, {
        restart_generation: d.restartGeneration + 1,
        status: next,
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
      await this.addEvent(tx, d.id, "restarted", d.status, next, message, actorOf(caller));
    });
    this.notify(d.id);
    return { ...d, status: next, restartGeneration: d.restartGeneration + 1, updatedAt: at };
  }

  /** Names of the env vars set on a deployment (never their values). */
  async envKeys(d: Deployment): Promise<string[]> {
    return Object.keys(await this.env.read(d.id)).sort();
  }

  /** envKeys of a page of deployments, read in one query. */
  async envKeysOf(list: Deployment[]): Promise<Map<string, string[]>> {
    const envs = await this.env.readMany(list.map((d) => d.id));
    return new Map([...envs].map(([id, env]) => [id, Object.keys(env).sort()]));
  }

  async getConfig(caller: Principal, name: string): Promise<Record<string, string>> {
    const d = await this.getOwnedByName(caller, name);
    return maskSecrets(await this.env.read(d.id), d.config.envVars);
  }

  /** Replaces the env values (secrets sent back masked keep their value) and rolls the processes. */
  async putConfig(caller: Principal, name: string, configData: Record<string, string>) {
    requireScope(caller, "deployments:write");
    const d = await this.getOwnedByName(caller, name);
    assertMutable(d);
    const previous = await this.env.read(d.id);
    const env = unmaskSecrets(configData, previous, d.config.envVars);
    const missing = d.config.envVars.filter((v) => v.required && !env[v.name]).map((v) => v.name);
    if (missing.length > 0) throw invalid(`missing required env vars: ${missing.join(", ")}`);
    const at = this.now();
    await this.store.transaction(async (tx) => {
      await this.env.write(d.id, env, at, tx, d.config.envVars);
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
      await this.addEvent(
        tx,
        d.id,
        "config_updated",
        d.status,
        d.status,
        "env vars replaced; restarting",
        actorOf(caller),
      );
    });
    this.notify(d.id);
    return maskSecrets(env, d.config.envVars);
  }

  async setAutoUpdate(
    caller: Principal,
    name: string,
    input: { enabled: boolean; strategy?: UpdateStrategy },
  ) {
    requireScope(caller, "deployments:write");
    const d = await this.getOwnedByName(caller, name);
    assertMutable(d);
    const strategy = input.strategy ?? d.autoUpdate.strategy;
    const at = this.now();
    await this.store.transaction(async (tx) => {
      await tx.deployments.update(d.id, {
        auto_update_enabled: input.enabled ? 1 : 0,
        auto_update_strategy: strategy,
        updated_at: at,
      });
      await this.addEvent(
        tx,
        d.id,
        "auto_update_changed",
        d.status,
        d.status,
        `auto-update ${input.enabled ? "enabled" : "disabled"} (${strategy})`,
        actorOf(caller),
      );
    });
    return { enabled: input.enabled, strategy };
  }

  /** Pause after this long without activity; null turns idle pause off. */
  async setIdleTimeout(caller: Principal, d: Deployment, idleTimeoutMs: number | null): Promise<Deployment> {
    requireScope(caller, "deployments:write");
    assertMutable(d);
    const at = this.now();
    await this.store.transaction(async (tx) => {
      await tx.deployments.update(d.id, {
        idle_timeout_ms: idleTimeoutMs,
        last_active_at: at,
        updated_at: at,
      });
      const what =
        idleTimeoutMs === null ? "idle pause off" : `idle pause after ${Math.round(idleTimeoutMs / 1000)}s`;
      await this.addEvent(tx, d.id, "idle_timeout_changed", d.status, d.status, what, actorOf(caller));
    });
    return { ...d, idleTimeoutMs, updatedAt: at };
  }

  /** Moves every opted-in current deployment linked to this template (by id) to its new revision. */
  async autoUpdate(templateId: string, revision: number): Promise<string[]> {
    const rows = await this.store.deployments.list({ templateId, currentOnly: true });
    const targets = rows
      .map(toDeployment)
      .filter(
        (d) => d.source.templateId === templateId && d.autoUpdate.enabled && d.isCurrent && isLive(d.status),
      );
    const t = await this.store.templates.get(templateId);
    const rev = t && (await this.store.templates.getRevision(t.id, revision));
    if (!t || !rev) throw notFound("template revision");
    const resolved = { template: t, revision: rev, config: JSON.parse(rev.config) as RunnableConfig };
    const slug = t.slug;
    const updated: string[] = [];
    for (const d of targets) {
      const at = this.now();
      const hash = configHash(resolved.config);
      await this.store.transaction(async (tx) => {
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
          actor: "system:auto-update",
          created_at: at,
        });
        await this.addEvent(
          tx,
          d.id,
          "auto_updated",
          d.status,
          d.status,
          `updating to template revision ${revision}`,
          "system:auto-update",
        );
      });
      this.notify(d.id);
      updated.push(d.id);
    }
    return updated;
  }

  addEvent(
    tx: Store,
    deploymentId: string,
    type: string,
    from: string | null,
    to: string | null,
    message: string,
    actor: string | null,
  ): Promise<void> {
    return addLifecycleEvent(tx, deploymentId, type, from, to, message, actor, this.now());
  }
}

export function assertMutable(d: Deployment): void {
  if (d.status === "deleting" || d.status === "destroyed")
    throw invalidState(`deployment ${d.name} is being deleted`);
  if (!d.isCurrent) throw invalidState(`deployment ${d.name} is historical and read-only`);
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
