/** Teams, users, memberships and API keys. Keys are stored only as SHA-256 hashes. */
import type SqliteDatabase from "better-sqlite3";
import type { Kysely } from "kysely";
import type { RowCache } from "../row-cache.js";
import type { ApiKeyRow, Database, TeamRow, UserRow } from "../schema.js";

export class TenancyRepo {
  private readonly teamStmt: SqliteDatabase.Statement | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    sqlite?: SqliteDatabase.Database,
    private readonly teamCache?: RowCache<TeamRow>,
  ) {
    this.teamStmt = sqlite?.prepare("select * from teams where id = ?");
  }

  insertTeam(row: TeamRow): Promise<unknown> {
    return this.db.insertInto("teams").values(row).execute();
  }

  getTeam(id: string): Promise<TeamRow | undefined> {
    const load = () =>
      this.teamStmt
        ? (this.teamStmt.get(id) as TeamRow | undefined)
        : this.db.selectFrom("teams").selectAll().where("id", "=", id).executeTakeFirst();
    return this.teamCache ? this.teamCache.get(id, load) : Promise.resolve(load());
  }

  listTeams(ids?: string[]): Promise<TeamRow[]> {
    let q = this.db.selectFrom("teams").selectAll().orderBy("id");
    if (ids) {
      if (ids.length === 0) return Promise.resolve([]);
      q = q.where("id", "in", ids);
    }
    return q.execute();
  }

  async updateTeamTier(id: string, tier: string, at: string): Promise<void> {
    this.teamCache?.drop(id);
    await this.db.updateTable("teams").set({ tier, updated_at: at }).where("id", "=", id).execute();
  }

  insertUser(row: UserRow): Promise<unknown> {
    return this.db.insertInto("users").values(row).execute();
  }

  getUser(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  getUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirst();
  }

  async addMember(teamId: string, userId: string, role: string, at: string): Promise<void> {
    await this.db
      .insertInto("team_members")
      .values({ team_id: teamId, user_id: userId, role, created_at: at })
      .onConflict((oc) => oc.columns(["team_id", "user_id"]).doUpdateSet({ role }))
      .execute();
  }

  async teamsOfUser(userId: string): Promise<{ team_id: string; role: string }[]> {
    return this.db
      .selectFrom("team_members")
      .select(["team_id", "role"])
      .where("user_id", "=", userId)
      .execute();
  }

  async usersOfTeams(
    teamIds: string[] | undefined,
  ): Promise<(UserRow & { team_id: string; role: string })[]> {
    let q = this.db
      .selectFrom("users")
      .innerJoin("team_members", "team_members.user_id", "users.id")
      .selectAll("users")
      .select(["team_members.team_id", "team_members.role"])
      .orderBy("users.id");
    if (teamIds) {
      if (teamIds.length === 0) return [];
      q = q.where("team_members.team_id", "in", teamIds);
    }
    return q.execute();
  }

  insertKey(row: ApiKeyRow): Promise<unknown> {
    return this.db.insertInto("api_keys").values(row).execute();
  }

  getKeyByHash(hash: string): Promise<ApiKeyRow | undefined> {
    return this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("hash", "=", hash)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
  }

  getKey(id: string): Promise<ApiKeyRow | undefined> {
    return this.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
  }

  listKeys(teamId: string | undefined): Promise<ApiKeyRow[]> {
    let q = this.db.selectFrom("api_keys").selectAll().where("revoked_at", "is", null).orderBy("id");
    if (teamId !== undefined) q = q.where("team_id", "=", teamId);
    return q.execute();
  }

  async revokeKey(id: string, at: string): Promise<void> {
    await this.db.updateTable("api_keys").set({ revoked_at: at }).where("id", "=", id).execute();
  }

  async countKeys(): Promise<number> {
    const r = await this.db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
