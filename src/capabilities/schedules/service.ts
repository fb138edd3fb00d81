/**
 * Scheduled agent deployments (seed 003): create, update, pause/unpause/archive/delete, manual runs,
 * run history, plus the environments and vaults they use. Vault secrets are encrypted at rest and
 * never returned; only their names are.
 */
import { BerthError, conflict, invalid } from "../../domain/errors.js";
import { cronProblem, nextRun } from "../../domain/cron.js";
import { newId, prefixedId } from "../../domain/ids.js";
import { isSchedulePaused } from "../../domain/record-status.js";
import type { SecretBox } from "../../security/secrets.js";
import type { ScheduleRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { actingTeam, assertOwned, type Principal, requireScope, visibleTeam } from "../auth/principal.js";
import { environmentView, fromDepId, fromRunId, runView, scheduleView, vaultView } from "./views.js";

export interface ScheduleInput {
  agentId: string;
  agentVersion?: number;
  environmentId: string;
  name: string;
  description?: string;
  initialEvents?: unknown[];
  expression: string;
  timezone: string;
  maxConcurrent?: number;
  maxRetries?: number;
  timeoutMs?: number;
  pauseAfterFailures?: number;
  sessionStrategy?: "new_session" | "reuse_session";
  vaultIds?: string[];
  resources?: unknown[];
  metadata?: Record<string, unknown>;
}

export type ScheduleUpdate = Partial<Omit<ScheduleInput, "agentId">>;

/** Triggers a run now; implemented by the scheduler. */
export type ManualTrigger = (schedule: ScheduleRow) => Promise<string>;
/** Removes what a deleted schedule kept outside the store (its sessions' state); implemented by the scheduler. */
export type ScheduleCleanup = (scheduleId: string) => Promise<void>;

export class SchedulesService {
  private trigger: ManualTrigger | undefined;
  private cleanup: ScheduleCleanup | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly vaultBox: SecretBox,
  ) {}

  setTrigger(trigger: ManualTrigger): void {
    this.trigger = trigger;
  }

  setCleanup(cleanup: ScheduleCleanup): void {
    this.cleanup = cleanup;
  }

  private now = () => this.clock.now();

  private async owned(caller: Principal, id: string): Promise<ScheduleRow> {
    requireScope(caller, "deployments:read");
    const uuid = fromDepId(id);
    const row = uuid ? await this.store.schedules.get(uuid) : undefined;
    return assertOwned(caller, row, "deployment");
  }

  private async checkRefs(caller: Principal, teamId: string, input: ScheduleUpdate & { agentId?: string }) {
    if (input.agentId !== undefined) assertOwned(caller, await this.store.agents.get(input.agentId), "agent");
    if (input.environmentId !== undefined) {
      const env = await this.store.schedules.getEnvironment(input.environmentId);
      if (!env || env.team_id !== teamId || env.archived_at)
        throw invalid(`environment_id ${input.environmentId} does not exist`);
    }
    for (const v of input.vaultIds ?? []) {
      const vault = await this.store.schedules.getVault(v);
      if (!vault || vault.team_id !== teamId) throw invalid(`vault_ids: ${v} does not exist`);
    }
    if (input.expression !== undefined || input.timezone !== undefined) {
      const problem = cronProblem(input.expression ?? "", input.timezone ?? "");
      if (problem) throw invalid(`schedule: ${problem}`);
    }
  }

  async create(caller: Principal, input: ScheduleInput) {
    requireScope(caller, "deployments:write");
    const agent = assertOwned(caller, await this.store.agents.get(input.agentId), "agent");
    await this.checkRefs(caller, agent.team_id, input);
    const now = this.now();
    const at = now.toISOString();
    const row: ScheduleRow = {
      id: newId(),
      team_id: agent.team_id,
      agent_id: agent.id,
      agent_version: input.agentVersion ?? agent.version,
      environment_id: input.environmentId,
      name: input.name,
      description: input.description ?? "",
      initial_events: JSON.stringify(input.initialEvents ?? []),
      max_concurrent: input.maxConcurrent ?? 1,
      max_retries: input.maxRetries ?? 0,
      timeout_ms: input.timeoutMs ?? 300_000,
      pause_after_failures: input.pauseAfterFailures ?? 5,
      session_strategy: input.sessionStrategy ?? "new_session",
      session_id: null,
      cron_expression: input.expression,
      timezone: input.timezone,
      status: "active",
      paused_reason: null,
      archived_at: null,
      consecutive_failures: 0,
      total_failures: 0,
      total_runs: 0,
      last_triggered_at: null,
      last_run_at: null,
      next_trigger_at: nextRun(input.expression, input.timezone, now)?.toISOString() ?? null,
      resources: JSON.stringify(input.resources ?? []),
      vault_ids: JSON.stringify(input.vaultIds ?? []),
      metadata: JSON.stringify(input.metadata ?? {}),
      created_at: at,
      updated_at: at,
    };
    await this.store.schedules.insert(row);
    return scheduleView(row, now);
  }

  async get(caller: Principal, id: string) {
    return scheduleView(await this.owned(caller, id), this.now());
  }

  async list(caller: Principal, limit: number, afterId?: string) {
    requireScope(caller, "deployments:read");
    const after = afterId !== undefined ? fromDepId(afterId) : undefined;
    if (afterId !== undefined && !after) throw invalid("after_id must be a deployment id (dep_…)");
    const rows = await this.store.schedules.list(visibleTeam(caller), limit + 1, after);
    return pageOf(rows, limit, (r) => scheduleView(r, this.now()));
  }

  async update(caller: Principal, id: string, input: ScheduleUpdate) {
    requireScope(caller, "deployments:write");
    const s = await this.owned(caller, id);
    if (s.archived_at) throw invalid("an archived deployment cannot be changed");
    const expression = input.expression ?? s.cron_expression;
    const timezone = input.timezone ?? s.timezone;
    await this.checkRefs(caller, s.team_id, { ...input, expression, timezone });
    const now = this.now();
    const set: Partial<ScheduleRow> = { updated_at: now.toISOString() };
    if (input.name !== undefined) set.name = input.name;
    if (input.description !== undefined) set.description = input.description;
    if (input.initialEvents !== undefined) set.initial_events = JSON.stringify(input.initialEvents);
    if (input.environmentId !== undefined) set.environment_id = input.environmentId;
    if (input.maxConcurrent !== undefined) set.max_concurrent = input.maxConcurrent;
    if (input.maxRetries !== undefined) set.max_retries = input.maxRetries;
    if (input.timeoutMs !== undefined) set.timeout_ms = input.timeoutMs;
    if (input.pauseAfterFailures !== undefined) set.pause_after_failures = input.pauseAfterFailures;
    if (input.sessionStrategy !== undefined) set.session_strategy = input.sessionStrategy;
    if (input.vaultIds !== undefined) set.vault_ids = JSON.stringify(input.vaultIds);
    if (input.resources !== undefined) set.resources = JSON.stringify(input.resources);
    if (input.metadata !== undefined) set.metadata = JSON.stringify(input.metadata);
    if (input.agentVersion !== undefined) set.agent_version = input.agentVersion;
    if (expression !== s.cron_expression || timezone !== s.timezone) {
      set.cron_expression = expression;
      set.timezone = timezone;
      set.next_trigger_at = nextRun(expression, timezone, now)?.toISOString() ?? null;
    }
    await this.store.schedules.update(s.id, set);
    return scheduleView({ ...s, ...set }, now);
  }

  async pause(caller: Principal, id: string, reason?: string) {
    requireScope(caller, "deployments:write");
    const s = await this.owned(caller, id);
    const set = {
      status: "paused",
      paused_reason: reason ?? "paused by user",
      updated_at: this.now().toISOString(),
    };
    await this.store.schedules.update(s.id, set);
    return scheduleView({ ...s, ...set }, this.now());
  }

  /** Back to active, reason cleared, next trigger computed from now (missed fire times are not replayed). */
  async unpause(caller: Principal, id: string) {
    requireScope(caller, "deployments:write");
    const s = await this.owned(caller, id);
    if (!isSchedulePaused(s.status)) throw conflict("Deployment is not paused");
    const now = this.now();
    const set = {
      status: "active",
      paused_reason: null,
      consecutive_failures: 0,
      next_trigger_at: nextRun(s.cron_expression, s.timezone, now)?.toISOString() ?? null,
      updated_at: now.toISOString(),
    };
    await this.store.schedules.update(s.id, set);
    return scheduleView({ ...s, ...set }, now);
  }

  async archive(caller: Principal, id: string) {
    requireScope(caller, "deployments:write");
    const s = await this.owned(caller, id);
    if (s.archived_at) return scheduleView(s, this.now());
    const at = this.now().toISOString();
    const set = { archived_at: at, next_trigger_at: null, updated_at: at };
    await this.store.schedules.update(s.id, set);
    return scheduleView({ ...s, ...set }, this.now());
  }

  async delete(caller: Principal, id: string) {
    requireScope(caller, "deployments:write");
    const s = await this.owned(caller, id);
    await this.store.schedules.delete(s.id);
    // nothing of a deleted schedule (runs, session state) is kept for anyone, whatever name comes next
    await this.cleanup?.(s.id);
    return { id, type: "deployment_deleted" as const };
  }

  async run(caller: Principal, id: string) {
    requireScope(caller, "deployments:write");
    const s = await this.owned(caller, id);
    if (s.archived_at) throw invalid("an archived deployment does not run");
    if (!this.trigger) throw new BerthError("UNAVAILABLE", "the scheduler is not running");
    const runId = await this.trigger(s);
    const run = await this.store.schedules.getRun(runId);
    return runView(run!);
  }

  /** Run history newest first, paged like the list: `after_id` is the `last_id` of the previous page. */
  async runs(caller: Principal, id: string, limit: number, afterId?: string) {
    const s = await this.owned(caller, id);
    const afterRow =
      afterId !== undefined ? await this.store.schedules.getRun(fromRunId(afterId) ?? "") : undefined;
    if (afterId !== undefined && afterRow?.schedule_id !== s.id)
      throw invalid("after_id must be the id of a run of this deployment (run_…)");
    return pageOf(await this.store.schedules.runs(s.id, limit + 1, afterRow), limit, runView);
  }

  async createEnvironment(
    caller: Principal,
    input: { name: string; description?: string; config?: Record<string, unknown>; teamId?: string },
  ) {
    requireScope(caller, "deployments:write");
    const teamId = actingTeam(caller, input.teamId);
    const at = this.now().toISOString();
    const row = {
      id: prefixedId("env"),
      team_id: teamId,
      name: input.name,
      description: input.description ?? "",
      config: JSON.stringify({ runtime: "local", ...input.config }),
      created_at: at,
      updated_at: at,
      archived_at: null,
    };
    await this.store.schedules.insertEnvironment(row);
    return environmentView(row);
  }

  async listEnvironments(caller: Principal, limit: number, afterId?: string) {
    requireScope(caller, "deployments:read");
    const team = visibleTeam(caller);
    return pageOf(
      await this.store.schedules.listEnvironments(team, limit + 1, afterId),
      limit,
      environmentView,
    );
  }

  async getEnvironment(caller: Principal, id: string) {
    requireScope(caller, "deployments:read");
    return environmentView(assertOwned(caller, await this.store.schedules.getEnvironment(id), "environment"));
  }

  async createVault(
    caller: Principal,
    input: { name: string; secrets: Record<string, string>; teamId?: string },
  ) {
    requireScope(caller, "deployments:write");
    const teamId = actingTeam(caller, input.teamId);
    const at = this.now().toISOString();
    const row = {
      id: prefixedId("vault"),
      team_id: teamId,
      name: input.name,
      ciphertext: this.vaultBox.encrypt(JSON.stringify(input.secrets)),
      secret_names: JSON.stringify(Object.keys(input.secrets).sort()),
      created_at: at,
      updated_at: at,
    };
    await this.store.schedules.insertVault(row);
    return vaultView(row);
  }

  async listVaults(caller: Principal, limit: number, afterId?: string) {
    requireScope(caller, "deployments:read");
    const team = visibleTeam(caller);
    return pageOf(await this.store.schedules.listVaults(team, limit + 1, afterId), limit, vaultView);
  }

  async getVault(caller: Principal, id: string) {
    requireScope(caller, "deployments:read");
    return vaultView(assertOwned(caller, await this.store.schedules.getVault(id), "vault"));
  }

  /** Decrypted secrets of the given vaults, for injection into a session's env. */
  async secretsOf(vaultIds: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const id of vaultIds) {
      const v = await this.store.schedules.getVault(id);
      if (v) Object.assign(out, JSON.parse(this.vaultBox.decrypt(v.ciphertext)) as Record<string, string>);
    }
    return out;
  }
}

/**
 * One page of a seed 003 list, newest first: `rows` holds up to `limit + 1` rows (the extra one
 * only says there is more); `last_id` is the `after_id` of the next page.
 */
function pageOf<R, V extends { id: string }>(rows: R[], limit: number, view: (r: R) => V) {
  const data = rows.slice(0, limit).map(view);
  return {
    data,
    has_more: rows.length > limit,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  };
}
