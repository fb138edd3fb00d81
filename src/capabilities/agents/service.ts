/** Agents: `agent_<hex>` ids owned by a team, with a name, version and runnable workload spec. */
import type { z } from "zod";
import { notFound } from "../../domain/errors.js";
import type { agentSpecSchema } from "../../domain/config-spec.js";
import type { AgentStatus } from "../../domain/record-status.js";
import { prefixedId } from "../../domain/ids.js";
import type { AgentRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import type { ConfigPolicy } from "../config-policy.js";
import { actingTeam, assertOwned, type Principal, requireScope, visibleTeam } from "../auth/principal.js";

export { AGENT_STATUSES } from "../../domain/record-status.js";

export const agentView = (a: AgentRow) => ({
  id: a.id,
  teamId: a.team_id,
  name: a.name,
  version: a.version,
  status: a.status as AgentStatus,
  spec: JSON.parse(a.spec) as z.infer<typeof agentSpecSchema>,
  lastHeartbeatAt: a.last_heartbeat_at,
  createdAt: a.created_at,
  updatedAt: a.updated_at,
});

export class AgentsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly policy: ConfigPolicy,
  ) {}

  async create(
    caller: Principal,
    input: { name: string; version?: number; teamId?: string; spec: z.infer<typeof agentSpecSchema> },
  ) {
    requireScope(caller, "agents:write");
    const teamId = actingTeam(caller, input.teamId);
    if (!(await this.store.tenancy.getTeam(teamId))) throw notFound("team");
    await this.policy.checkWorkload(teamId, input.spec);
    const at = this.clock.now().toISOString();
    const row: AgentRow = {
      id: prefixedId("agent"),
      team_id: teamId,
      name: input.name,
      version: input.version ?? 1,
      spec: JSON.stringify(input.spec),
      status: "idle",
      last_heartbeat_at: null,
      created_at: at,
      updated_at: at,
    };
    await this.store.agents.insert(row);
    return agentView(row);
  }

  async list(caller: Principal) {
    requireScope(caller, "deployments:read");
    const rows = await this.store.agents.list(visibleTeam(caller));
    return rows.map(agentView);
  }

  async get(caller: Principal, id: string) {
    requireScope(caller, "deployments:read");
    return agentView(assertOwned(caller, await this.store.agents.get(id), "agent"));
  }
}
