/**
 * Durable operations. The unique index on running operations per namespace is the namespace lock:
 * a second `start` in the same namespace fails with CONFLICT, atomically, on SQLite and PostgreSQL.
 */
import type { Kysely } from "kysely";
import { conflict } from "../../domain/errors.js";
import { finalOperationPhase } from "../../domain/record-status.js";
import type { Database, OperationRow } from "../schema.js";

export class OperationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async start(row: OperationRow): Promise<void> {
    try {
      await this.db.insertInto("operations").values(row).execute();
    } catch (err) {
      if (/unique|duplicate/i.test(String((err as Error).message))) {
        throw conflict("another operation is already running in this namespace");
      }
      throw err;
    }
  }

  get(id: string): Promise<OperationRow | undefined> {
    return this.db.selectFrom("operations").selectAll().where("id", "=", id).executeTakeFirst();
  }

  runningIn(namespace: string): Promise<OperationRow | undefined> {
    return this.db
      .selectFrom("operations")
      .selectAll()
      .where("namespace", "=", namespace)
      .where("status", "=", "running")
      .executeTakeFirst();
  }

  running(): Promise<OperationRow[]> {
    return this.db
      .selectFrom("operations")
      .selectAll()
      .where("status", "=", "running")
      .orderBy("id")
      .execute();
  }

  async setPhase(id: string, phase: string, at: string, payload?: string): Promise<void> {
    await this.db
      .updateTable("operations")
      .set(payload === undefined ? { phase, updated_at: at } : { phase, payload, updated_at: at })
      .where("id", "=", id)
      .execute();
  }

  async finish(id: string, status: "succeeded" | "failed", error: string | null, at: string): Promise<void> {
    await this.db
      .updateTable("operations")
      .set({
        status,
        error,
        phase: finalOperationPhase(status),
        lease_owner: null,
        lease_expires_at: null,
        updated_at: at,
      })
      .where("id", "=", id)
      .execute();
  }

  /** Takes over an operation whose lease expired (its control plane died); true when this caller won. */
  async claim(id: string, owner: string, until: string, now: string): Promise<boolean> {
    const r = await this.db
      .updateTable("operations")
      .set({ lease_owner: owner, lease_expires_at: until })
      .where("id", "=", id)
      .where("status", "=", "running")
      .where((eb) =>
        eb.or([
          eb("lease_expires_at", "is", null),
          eb("lease_expires_at", "<", now),
          eb("lease_owner", "=", owner),
        ]),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async renew(owner: string, until: string): Promise<void> {
    await this.db
      .updateTable("operations")
      .set({ lease_expires_at: until })
      .where("lease_owner", "=", owner)
      .where("status", "=", "running")
      .execute();
  }
}
