/** Append-mostly records: lifecycle events, runtime events, revisions, billing events. */
import type { Kysely } from "kysely";
import type { Database, DeploymentEventRow, DeploymentRevisionRow, RuntimeEventRow } from "../schema.js";

export interface EventFilter {
  type?: string;
  /** Events whose `to_status` is one of these. */
  status?: string | string[];
  skip: number;
  limit: number;
}

export class HistoryRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async addEvent(row: DeploymentEventRow): Promise<void> {
    await this.db.insertInto("deployment_events").values(row).execute();
  }

  private eventQuery(deploymentId: string, f: Omit<EventFilter, "skip" | "limit">) {
    let q = this.db.selectFrom("deployment_events").where("deployment_id", "=", deploymentId);
    if (f.type !== undefined) q = q.where("type", "=", f.type);
    if (typeof f.status === "string") q = q.where("to_status", "=", f.status);
    else if (f.status !== undefined) q = q.where("to_status", "in", f.status.length > 0 ? f.status : [""]);
    return q;
  }

  events(deploymentId: string, f: EventFilter): Promise<DeploymentEventRow[]> {
    return this.eventQuery(deploymentId, f)
      .selectAll()
      .orderBy("id", "desc")
      .limit(f.limit)
      .offset(f.skip)
      .execute();
  }

  async countEvents(deploymentId: string, f: Omit<EventFilter, "skip" | "limit">): Promise<number> {
    const r = await this.eventQuery(deploymentId, f)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Records a runtime event, folding a repeat of the last same-reason event into its count. */
  async addRuntimeEvent(row: RuntimeEventRow): Promise<void> {
    const last = await this.db
      .selectFrom("runtime_events")
      .selectAll()
      .where("deployment_id", "=", row.deployment_id)
      .where("object", "=", row.object)
      .where("reason", "=", row.reason)
      .where("message", "=", row.message)
      .orderBy("last_seen", "desc")
      .limit(1)
      .executeTakeFirst();
    if (last) {
      await this.db
        .updateTable("runtime_events")
        .set({ count: last.count + 1, last_seen: row.last_seen })
        .where("id", "=", last.id)
        .execute();
      return;
    }
    await this.db.insertInto("runtime_events").values(row).execute();
  }

  runtimeEvents(deploymentId: string, limit: number): Promise<RuntimeEventRow[]> {
    return this.db
      .selectFrom("runtime_events")
      .selectAll()
      .where("deployment_id", "=", deploymentId)
      .orderBy("last_seen", "desc")
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }

  async addRevision(row: Omit<DeploymentRevisionRow, "revision">): Promise<number> {
    const r = await this.db
      .selectFrom("deployment_revisions")
      .select((eb) => eb.fn.max<number>("revision").as("max"))
      .where("deployment_id", "=", row.deployment_id)
      .executeTakeFirst();
    const revision = Number(r?.max ?? 0) + 1;
    await this.db
      .insertInto("deployment_revisions")
      .values({ ...row, revision })
      .execute();
    return revision;
  }

  revisions(deploymentId: string): Promise<DeploymentRevisionRow[]> {
    return this.db
      .selectFrom("deployment_revisions")
      .selectAll()
      .where("deployment_id", "=", deploymentId)
      .orderBy("revision", "desc")
      .execute();
  }

  async addBilling(row: {
    id: string;
    team_id: string;
    type: string;
    deployment_id: string | null;
    data: string;
    created_at: string;
  }): Promise<void> {
    await this.db.insertInto("billing_events").values(row).execute();
  }

  billing(teamId: string) {
    return this.db
      .selectFrom("billing_events")
      .selectAll()
      .where("team_id", "=", teamId)
      .orderBy("id", "desc")
      .execute();
  }

  async purgeDeployment(deploymentId: string): Promise<void> {
    await this.db.deleteFrom("runtime_events").where("deployment_id", "=", deploymentId).execute();
  }
}
