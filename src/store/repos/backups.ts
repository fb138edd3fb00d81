/** Backup records: artifacts, phases and progress of volume backups and restores. */
import type { Kysely } from "kysely";
import type { BackupRow, Database } from "../schema.js";

export class BackupsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: BackupRow): Promise<unknown> {
    return this.db.insertInto("backups").values(row).execute();
  }

  get(id: string): Promise<BackupRow | undefined> {
    return this.db.selectFrom("backups").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** Backups of a deployment's namespace (they outlive redeploys), newest first. */
  list(namespace: string, agentId?: string): Promise<BackupRow[]> {
    let q = this.db
      .selectFrom("backups")
      .selectAll()
      .where("namespace", "=", namespace)
      .orderBy("id", "desc");
    if (agentId !== undefined) q = q.where("agent_id", "=", agentId);
    return q.execute();
  }

  newestSucceeded(namespace: string, agentId: string): Promise<BackupRow | undefined> {
    return this.db
      .selectFrom("backups")
      .selectAll()
      .where("namespace", "=", namespace)
      .where("agent_id", "=", agentId)
      .where("status", "=", "succeeded")
      .orderBy("id", "desc")
      .executeTakeFirst();
  }

  async update(id: string, set: Partial<Omit<BackupRow, "id">>): Promise<void> {
    await this.db.updateTable("backups").set(set).where("id", "=", id).execute();
  }

  expired(now: string): Promise<BackupRow[]> {
    return this.db
      .selectFrom("backups")
      .selectAll()
      .where("expires_at", "<=", now)
      .where("status", "!=", "expired")
      .execute();
  }
}
