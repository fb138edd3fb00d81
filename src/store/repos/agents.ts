/** Agents: a team's runnable agent definitions. */
import type { Kysely } from "kysely";
import type { AgentRow, Database } from "../schema.js";

export class AgentsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  insert(row: AgentRow): Promise<unknown> {
    return this.db.insertInto("agents").values(row).execute();
  }

  get(id: string): Promise<AgentRow | undefined> {
    return this.db.selectFrom("agents").selectAll().where("id", "=", id).executeTakeFirst();
  }

  list(teamId: string | undefined): Promise<AgentRow[]> {
    let q = this.db.selectFrom("agents").selectAll().orderBy("id");
    if (teamId !== undefined) q = q.where("team_id", "=", teamId);
    return q.execute();
  }

  async update(id: string, set: Partial<Omit<AgentRow, "id">>): Promise<void> {
    await this.db.updateTable("agents").set(set).where("id", "=", id).execute();
  }
}
