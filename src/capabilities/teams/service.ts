/** Teams (with their tier), users and memberships. Tier changes are billing events. */
import { conflict, notFound } from "../../domain/errors.js";
import { newId, prefixedId } from "../../domain/ids.js";
import type { TeamRow, UserRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { type Tier, tierLimit } from "../../domain/tiers.js";
import { canAccessTeam, type Principal, requireScope, visibleTeam } from "../auth/principal.js";

/** The teams a caller's lists show: every team for admins (undefined), else the key's own. */
function teamsVisibleTo(caller: Principal): string[] | undefined {
  const team = visibleTeam(caller);
  return team === undefined ? undefined : [team];
}

export const teamView = (t: TeamRow) => ({
  id: t.id,
  name: t.name,
  tier: t.tier as Tier,
  deploymentLimit: tierLimit(t.tier),
  createdAt: t.created_at,
  updatedAt: t.updated_at,
});

export const userView = (u: UserRow, teams: { team_id: string; role: string }[]) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  teams: teams.map((t) => ({ teamId: t.team_id, role: t.role })),
  createdAt: u.created_at,
});

export class TeamsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(caller: Principal, input: { name: string; tier: Tier }) {
    requireScope(caller, "admin");
    const at = this.clock.now().toISOString();
    const row: TeamRow = {
      id: prefixedId("team"),
      name: input.name,
      tier: input.tier,
      created_at: at,
      updated_at: at,
    };
    await this.store.transaction(async (tx) => {
      await tx.tenancy.insertTeam(row);
      await tx.history.addBilling({
        id: newId(),
        team_id: row.id,
        type: "team.tier_set",
        deployment_id: null,
        data: JSON.stringify({ tier: row.tier }),
        created_at: at,
      });
    });
    return teamView(row);
  }

  async list(caller: Principal) {
    const rows = await this.store.tenancy.listTeams(teamsVisibleTo(caller));
    return rows.map(teamView);
  }

  async get(caller: Principal, id: string) {
    const row = await this.store.tenancy.getTeam(id);
    if (!row || !canAccessTeam(caller, row.id)) throw notFound("team");
    return teamView(row);
  }

  async setTier(caller: Principal, id: string, tier: Tier) {
    requireScope(caller, "admin");
    const row = await this.store.tenancy.getTeam(id);
    if (!row) throw notFound("team");
    const at = this.clock.now().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.tenancy.updateTeamTier(id, tier, at);
      await tx.history.addBilling({
        id: newId(),
        team_id: id,
        type: "team.tier_changed",
        deployment_id: null,
        data: JSON.stringify({ from: row.tier, to: tier }),
        created_at: at,
      });
    });
    return teamView({ ...row, tier, updated_at: at });
  }

  async billingEvents(caller: Principal, teamId: string) {
    requireScope(caller, "deployments:read");
    if (!canAccessTeam(caller, teamId) || !(await this.store.tenancy.getTeam(teamId))) throw notFound("team");
    const rows = await this.store.history.billing(teamId);
    return rows.map((r) => ({
      id: r.id,
      type: r.type,
      deploymentId: r.deployment_id,
      data: JSON.parse(r.data) as Record<string, unknown>,
      createdAt: r.created_at,
    }));
  }

  async createUser(caller: Principal, input: { email: string; name: string; teamId?: string; role: string }) {
    requireScope(caller, "admin");
    if (await this.store.tenancy.getUserByEmail(input.email)) throw conflict("a user with that email exists");
    if (input.teamId !== undefined && !(await this.store.tenancy.getTeam(input.teamId)))
      throw notFound("team");
    const at = this.clock.now().toISOString();
    const user: UserRow = { id: prefixedId("user"), email: input.email, name: input.name, created_at: at };
    await this.store.transaction(async (tx) => {
      await tx.tenancy.insertUser(user);
      if (input.teamId !== undefined) await tx.tenancy.addMember(input.teamId, user.id, input.role, at);
    });
    return userView(user, input.teamId ? [{ team_id: input.teamId, role: input.role }] : []);
  }

  async listUsers(caller: Principal) {
    const rows = await this.store.tenancy.usersOfTeams(teamsVisibleTo(caller));
    const byId = new Map<string, { user: UserRow; teams: { team_id: string; role: string }[] }>();
    for (const r of rows) {
      const { team_id, role, ...user } = r;
      const entry = byId.get(user.id) ?? { user, teams: [] };
      entry.teams.push({ team_id, role });
      byId.set(user.id, entry);
    }
    return [...byId.values()].map((e) => userView(e.user, e.teams));
  }
}
