/**
 * Scheduled deployments, their runs, environments, vaults and idempotency keys. A run row is
 * unique per (schedule, fire time): inserting it is how one control plane — and only one — claims
 * a fire time, across restarts and across control planes sharing PostgreSQL.
 */
import type { Kysely } from "kysely";
import type { Database, EnvironmentRow, ScheduleRow, ScheduleRunRow, VaultRow } from "../schema.js";
import { HANDED_OFF_OWNER, UNFINISHED_RUN_STATUSES } from "../../domain/record-status.js";

export class SchedulesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: ScheduleRow): Promise<unknown> {
    return this.db.insertInto("schedules").values(row).execute();
  }

  get(id: string): Promise<ScheduleRow | undefined> {
    return this.db.selectFrom("schedules").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Newest first; `afterId` continues after that id (cursor). */
  list(teamId: string | undefined, limit: number, afterId?: string): Promise<ScheduleRow[]> {
    let q = this.db.selectFrom("schedules").selectAll().orderBy("id", "desc").limit(limit);
    if (teamId !== undefined) q = q.where("team_id", "=", teamId);
    if (afterId !== undefined) q = q.where("id", "<", afterId);
    return q.execute();
  }

  due(now: string): Promise<ScheduleRow[]> {
    return this.db
      .selectFrom("schedules")
      .selectAll()
      .where("status", "=", "active")
      .where("archived_at", "is", null)
      .where("next_trigger_at", "<=", now)
      .execute();
  }

  nextDue(): Promise<string | undefined> {
    return this.db
      .selectFrom("schedules")
      .select((eb) => eb.fn.min<string>("next_trigger_at").as("next"))
      .where("status", "=", "active")
      .where("archived_at", "is", null)
      .executeTakeFirst()
      .then((r) => r?.next ?? undefined);
  }

  async update(id: string, set: Partial<Omit<ScheduleRow, "id">>): Promise<void> {
    await this.db.updateTable("schedules").set(set).where("id", "=", id).execute();
  }

  /** Moves next_trigger_at forward only from the fire time the caller saw (no double advance). */
  async advance(id: string, from: string, next: string | null, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable("schedules")
      .set({ next_trigger_at: next, updated_at: at })
      .where("id", "=", id)
      .where("next_trigger_at", "=", from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Adds one finished run to the stats atomically; returns the new failure streak and threshold. */
  countRun(id: string, failed: boolean, at: string) {
    return this.db
      .updateTable("schedules")
      .set((eb) => ({
        total_runs: eb("total_runs", "+", 1),
        total_failures: eb("total_failures", "+", failed ? 1 : 0),
        consecutive_failures: failed ? eb("consecutive_failures", "+", 1) : 0,
        last_run_at: at,
        updated_at: at,
      }))
      .where("id", "=", id)
      .returning(["consecutive_failures", "pause_after_failures"])
      .executeTakeFirst();
  }

  async pauseIfActive(id: string, reason: string, at: string): Promise<void> {
    await this.db
      .updateTable("schedules")
      .set({ status: "paused", paused_reason: reason, updated_at: at })
      .where("id", "=", id)
      .where("status", "=", "active")
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom("schedule_runs").where("schedule_id", "=", id).execute();
    await this.db.deleteFrom("schedules").where("id", "=", id).execute();
  }

  /** Claims a fire time; false when another control plane (or an earlier life) already did. */
  async claimRun(row: ScheduleRunRow): Promise<boolean> {
    const r = await this.db
      .insertInto("schedule_runs")
      .values(row)
      .onConflict((oc) => oc.columns(["schedule_id", "fire_time"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Claims many fire times at once (one statement per 200 rows); returns the ids of the rows this
   * call inserted — a fire time another control plane (or an earlier life) claimed is left out.
   */
  async claimRuns(rows: ScheduleRunRow[]): Promise<Set<string>> {
    const claimed = new Set<string>();
    for (let i = 0; i < rows.length; i += 200) {
      const inserted = await this.db
        .insertInto("schedule_runs")
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(["schedule_id", "fire_time"]).doNothing())
        .returning("id")
        .execute();
      for (const r of inserted) claimed.add(r.id);
    }
    return claimed;
  }

  async updateRun(id: string, set: Partial<Omit<ScheduleRunRow, "id">>): Promise<void> {
    await this.db.updateTable("schedule_runs").set(set).where("id", "=", id).execute();
  }

  getRun(id: string): Promise<ScheduleRunRow | undefined> {
    return this.db.selectFrom("schedule_runs").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** A schedule's runs, newest first by the time each is for; `after` is the last run of the previous page. */
  runs(scheduleId: string, limit: number, after?: ScheduleRunRow): Promise<ScheduleRunRow[]> {
    let q = this.db
      .selectFrom("schedule_runs")
      .selectAll()
      .where("schedule_id", "=", scheduleId)
      .orderBy("scheduled_for", "desc")
      .orderBy("id", "desc")
      .limit(limit);
    if (after !== undefined) {
      q = q.where((eb) =>
        eb.or([
          eb("scheduled_for", "<", after.scheduled_for),
          eb.and([eb("scheduled_for", "=", after.scheduled_for), eb("id", "<", after.id)]),
        ]),
      );
    }
    return q.execute();
  }

  async runningCount(scheduleId: string): Promise<number> {
    const r = await this.db
      .selectFrom("schedule_runs")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("schedule_id", "=", scheduleId)
      .where("status", "in", UNFINISHED_RUN_STATUSES)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Unfinished runs of other owners than `owners`: left by a control plane that is gone (or still
   * running elsewhere; the caller decides). Runs handed off to the lease holder are not orphans.
   */
  orphanedRuns(owners: string[]): Promise<ScheduleRunRow[]> {
    return this.db
      .selectFrom("schedule_runs")
      .selectAll()
      .where("status", "in", UNFINISHED_RUN_STATUSES)
      .where((eb) => eb.or([eb("owner", "is", null), eb("owner", "not in", [...owners, HANDED_OFF_OWNER])]))
      .execute();
  }

  /**
   * Takes every run handed off to the lease holder (a manual run triggered on a standby) for
   * `owner`, in one statement, so two takers never both get one. Returns the runs taken.
   */
  adoptHandedOff(owner: string): Promise<ScheduleRunRow[]> {
    return this.db
      .updateTable("schedule_runs")
      .set({ owner })
      .where("owner", "=", HANDED_OFF_OWNER)
      .where("status", "=", "pending")
      .returningAll()
      .execute();
  }

  insertEnvironment(row: EnvironmentRow): Promise<unknown> {
    return this.db.insertInto("environments").values(row).execute();
  }

  getEnvironment(id: string): Promise<EnvironmentRow | undefined> {
    return this.db.selectFrom("environments").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Newest first; `afterId` is the last id of the previous page. */
  listEnvironments(teamId: string | undefined, limit: number, afterId?: string): Promise<EnvironmentRow[]> {
    let q = this.db.selectFrom("environments").selectAll().orderBy("id", "desc").limit(limit);
    if (teamId !== undefined) q = q.where("team_id", "=", teamId);
    if (afterId !== undefined) q = q.where("id", "<", afterId);
    return q.execute();
  }

  insertVault(row: VaultRow): Promise<unknown> {
    return this.db.insertInto("vaults").values(row).execute();
  }

  getVault(id: string): Promise<VaultRow | undefined> {
    return this.db.selectFrom("vaults").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Newest first; `afterId` is the last id of the previous page. */
  listVaults(teamId: string | undefined, limit: number, afterId?: string): Promise<VaultRow[]> {
    let q = this.db.selectFrom("vaults").selectAll().orderBy("id", "desc").limit(limit);
    if (teamId !== undefined) q = q.where("team_id", "=", teamId);
    if (afterId !== undefined) q = q.where("id", "<", afterId);
    return q.execute();
  }

  getIdempotent(teamId: string, key: string) {
    return this.db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("team_id", "=", teamId)
      .where("key", "=", key)
      .executeTakeFirst();
  }

  async putIdempotent(row: {
    team_id: string;
    key: string;
    request_hash: string;
    status_code: number;
    response: string;
    created_at: string;
  }): Promise<void> {
    await this.db
      .insertInto("idempotency_keys")
      .values(row)
      .onConflict((oc) => oc.columns(["team_id", "key"]).doNothing())
      .execute();
  }

  async purgeIdempotent(before: string): Promise<void> {
    await this.db.deleteFrom("idempotency_keys").where("created_at", "<", before).execute();
  }
}
