/**
 * Deployments with their namespaces, workloads and encrypted env. A namespace has at most one
 * current deployment; `is_current` on the deployment mirrors `namespaces.current_deployment_id`.
 * A namespace name is held by one incarnation (`namespaces.id`) of one team at a time.
 */
import type SqliteDatabase from "better-sqlite3";
import type { Kysely } from "kysely";
import type { RowCache } from "../row-cache.js";
import type { Database, DeploymentRow, DeploymentUpdate, NewDeployment, WorkloadRow } from "../schema.js";

export interface DeploymentFilter {
  teamId?: string;
  agentId?: string;
  templateId?: string;
  statuses?: string[];
  currentOnly?: boolean;
  excludeStatuses?: string[];
  skip?: number;
  limit?: number;
}

export class DeploymentsRepo {
  private byNameStmt: SqliteDatabase.Statement | undefined;
  private currentStmt: SqliteDatabase.Statement | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    sqlite?: SqliteDatabase.Database,
    /** Rows by name; present only on the root store of a single-writer database. */
    private readonly cache?: RowCache<DeploymentRow>,
  ) {
    this.byNameStmt = sqlite?.prepare("select * from deployments where name = ?");
    this.currentStmt = sqlite?.prepare("select * from deployments where namespace = ? and is_current = 1");
  }

  insert(row: NewDeployment): Promise<unknown> {
    this.cache?.drop(row.name);
    return this.db.insertInto("deployments").values(row).execute();
  }

  get(id: string): Promise<DeploymentRow | undefined> {
    return this.db.selectFrom("deployments").selectAll().where("id", "=", id).executeTakeFirst();
  }

  getByName(name: string): Promise<DeploymentRow | undefined> {
    const load = () =>
      this.byNameStmt
        ? (this.byNameStmt.get(name) as DeploymentRow | undefined)
        : this.db.selectFrom("deployments").selectAll().where("name", "=", name).executeTakeFirst();
    return this.cache ? this.cache.get(name, load) : Promise.resolve(load());
  }

  /** The current deployment of a namespace (what its ingress serves). */
  async currentIn(namespace: string): Promise<DeploymentRow | undefined> {
    if (this.currentStmt) return this.currentStmt.get(namespace) as DeploymentRow | undefined;
    return this.db
      .selectFrom("deployments")
      .selectAll()
      .where("namespace", "=", namespace)
      .where("is_current", "=", 1)
      .executeTakeFirst();
  }

  /** Every deployment of a namespace incarnation, historical ones included. */
  inNamespace(namespaceId: string): Promise<DeploymentRow[]> {
    return this.db
      .selectFrom("deployments")
      .selectAll()
      .where("namespace_id", "=", namespaceId)
      .orderBy("id")
      .execute();
  }

  async touch(id: string, at: string): Promise<void> {
    await this.db.updateTable("deployments").set({ last_active_at: at }).where("id", "=", id).execute();
  }

  private filtered(f: DeploymentFilter) {
    let q = this.db.selectFrom("deployments");
    if (f.teamId !== undefined) q = q.where("team_id", "=", f.teamId);
    if (f.agentId !== undefined) q = q.where("agent_id", "=", f.agentId);
    if (f.templateId !== undefined) q = q.where("template_id", "=", f.templateId);
    if (f.statuses && f.statuses.length > 0) q = q.where("status", "in", f.statuses);
    if (f.excludeStatuses && f.excludeStatuses.length > 0) q = q.where("status", "not in", f.excludeStatuses);
    if (f.currentOnly) q = q.where("is_current", "=", 1);
    return q;
  }

  list(f: DeploymentFilter): Promise<DeploymentRow[]> {
    let q = this.filtered(f).selectAll().orderBy("id", "desc");
    if (f.limit !== undefined) q = q.limit(f.limit);
    if (f.skip) q = q.offset(f.skip).limit(f.limit ?? 1_000_000);
    return q.execute();
  }

  async count(f: DeploymentFilter): Promise<number> {
    const r = await this.filtered(f)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Ids of deployments whose status is not one of `settled` (the statuses a periodic resync has
   * nothing to do for): a resync reads these ids only, not every record.
   */
  async idsExceptStatuses(settled: readonly string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom("deployments")
      .select("id")
      .where("status", "not in", [...settled])
      .execute();
    return rows.map((r) => r.id);
  }

  /** Writes anything but the status: a status changes only through `Store.transition`. */
  async update(id: string, set: Omit<DeploymentUpdate, "status">): Promise<void> {
    this.cache?.clear();
    await this.db.updateTable("deployments").set(set).where("id", "=", id).execute();
  }

  /**
   * Compare-and-set on status, so a reconciler never overwrites a status an API call just wrote.
   * Writes anything but the status (see `Store.transition`).
   */
  updateIfStatus(id: string, expected: string, set: Omit<DeploymentUpdate, "status">): Promise<boolean> {
    return this.setIfStatus(id, expected, set);
  }

  /** The only status write after insert; called by `Store.transition` inside its transaction. */
  async setIfStatus(id: string, expected: string, set: DeploymentUpdate): Promise<boolean> {
    this.cache?.clear();
    const r = await this.db
      .updateTable("deployments")
      .set(set)
      .where("id", "=", id)
      .where("status", "=", expected)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<void> {
    this.cache?.clear();
    await this.db.deleteFrom("workloads").where("deployment_id", "=", id).execute();
    await this.db.deleteFrom("deployments").where("id", "=", id).execute();
  }

  /** Creates a new incarnation of the namespace `name`; false when a live one holds the name. */
  async claimNamespace(id: string, name: string, teamId: string, at: string): Promise<boolean> {
    const r = await this.db
      .insertInto("namespaces")
      .values({ id, name, team_id: teamId, current_deployment_id: null, created_at: at })
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  getNamespace(name: string) {
    return this.db.selectFrom("namespaces").selectAll().where("name", "=", name).executeTakeFirst();
  }

  async setCurrent(namespaceId: string, deploymentId: string | null): Promise<void> {
    await this.db
      .updateTable("namespaces")
      .set({ current_deployment_id: deploymentId })
      .where("id", "=", namespaceId)
      .execute();
  }

  /** Deletes the incarnation; the name is free again (for a new incarnation with a new id). */
  async deleteNamespace(id: string): Promise<void> {
    await this.db.deleteFrom("namespaces").where("id", "=", id).execute();
  }

  async getEnvCiphertext(deploymentId: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom("deployment_env")
      .select("ciphertext")
      .where("deployment_id", "=", deploymentId)
      .executeTakeFirst();
    return r?.ciphertext;
  }

  async envCiphertexts(deploymentIds: string[]): Promise<{ deployment_id: string; ciphertext: string }[]> {
    if (deploymentIds.length === 0) return [];
    return this.db
      .selectFrom("deployment_env")
      .select(["deployment_id", "ciphertext"])
      .where("deployment_id", "in", deploymentIds)
      .execute();
  }

  async putEnvCiphertext(deploymentId: string, ciphertext: string, at: string): Promise<void> {
    await this.db
      .insertInto("deployment_env")
      .values({ deployment_id: deploymentId, ciphertext, updated_at: at })
      .onConflict((oc) => oc.column("deployment_id").doUpdateSet({ ciphertext, updated_at: at }))
      .execute();
  }

  async deleteEnv(deploymentId: string): Promise<void> {
    await this.db.deleteFrom("deployment_env").where("deployment_id", "=", deploymentId).execute();
  }

  async putWorkloads(rows: WorkloadRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.deleteFrom("workloads").where("deployment_id", "=", rows[0]!.deployment_id).execute();
    await this.db.insertInto("workloads").values(rows).execute();
  }

  workloads(deploymentId: string): Promise<WorkloadRow[]> {
    return this.db
      .selectFrom("workloads")
      .selectAll()
      .where("deployment_id", "=", deploymentId)
      .orderBy("position")
      .execute();
  }

  async setWorkloadReplicas(deploymentId: string, name: string | undefined, replicas: number, at: string) {
    let q = this.db
      .updateTable("workloads")
      .set({ desired_replicas: replicas, updated_at: at })
      .where("deployment_id", "=", deploymentId);
    if (name !== undefined) q = q.where("name", "=", name);
    await q.execute();
  }
}
