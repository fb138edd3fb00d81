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

  /** Backups of a namespace incarnation (they outlive redeploys, never the namespace), newest first. */
  list(namespaceId: string, agentId?: string): Promise<BackupRow[]> {
    let q = this.db
      .selectFrom("backups")
      .selectAll()
      .where("namespace_id", "=", namespaceId)
      .orderBy("id", "desc");
    if (agentId !== undefined) q = q.where("agent_id", "=", agentId);
    return q.execute();
  }

  newestSucceeded(namespaceId: string, agentId: string): Promise<BackupRow | undefined> {
    return this.db
      .selectFrom("backups")
      .selectAll()
      .where("namespace_id", "=", namespaceId)
      .where("agent_id", "=", agentId)
      .where("status", "=", "succeeded")
      .orderBy("id", "desc")
      .executeTakeFirst();
  }

  async update(id: string, set: Partial<Omit<BackupRow, "id">>): Promise<void> {
    await this.db.updateTable("backups").set(set).where("id", "=", id).execute();
  }

  async deleteInNamespace(namespaceId: string): Promise<void> {
    await this.db.deleteFrom("backups").where("namespace_id", "=", namespaceId).execute();
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
