/**
 * Leases: a named row that one holder owns until `expires_at`. Taking one is a single conditional
 * write (insert when absent, else update when it is ours or expired), so two control planes racing
 * for it on PostgreSQL never both win.
 */
import type { Kysely } from "kysely";
import type { Database, LeaseRow } from "../schema.js";

export class LeasesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Takes or renews the lease until `expiresAt`; false when another holder's lease is still valid at `now`. */
  async acquire(name: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto("leases")
      .values({ name, holder, acquired_at: now, expires_at: expiresAt })
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
    const mine = await this.db
      .updateTable("leases")
      .set({ expires_at: expiresAt })
      .where("name", "=", name)
      .where("holder", "=", holder)
      .executeTakeFirst();
    if (Number(mine.numUpdatedRows) > 0) return true;
    const taken = await this.db
      .updateTable("leases")
      .set({ holder, acquired_at: now, expires_at: expiresAt })
      .where("name", "=", name)
      .where("expires_at", "<", now)
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) > 0;
  }

  get(name: string): Promise<LeaseRow | undefined> {
    return this.db.selectFrom("leases").selectAll().where("name", "=", name).executeTakeFirst();
  }

  /** Gives the lease up at once (a clean shutdown), so a standby takes over without waiting. */
  async release(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom("leases").where("name", "=", name).where("holder", "=", holder).execute();
  }
}
