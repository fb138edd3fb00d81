/** Seed 003 representations: the scheduled deployment object (binding shape), runs, environments, vaults. */
import type { EnvironmentRow, ScheduleRow, ScheduleRunRow, VaultRow } from "../../store/schema.js";
import { nextRuns } from "../../domain/cron.js";
import { isScheduleFiring } from "../../domain/record-status.js";

const fromPrefixedId = (prefix: string, id: string): string | undefined => {
  const m = new RegExp(`^${prefix}_([0-9a-f]{32})$`).exec(id);
  if (!m) return undefined;
  const h = m[1]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

export const depId = (id: string) => `dep_${id.replaceAll("-", "")}`;
export const fromDepId = (id: string): string | undefined => fromPrefixedId("dep", id);

/** Seconds-precision ISO timestamps, as the seed's example shows them. */
export const isoSeconds = (v: string | null): string | null => (v === null ? null : `${v.slice(0, 19)}Z`);

export function scheduleView(s: ScheduleRow, now: Date) {
  const upcoming = isScheduleFiring(s) ? nextRuns(s.cron_expression, s.timezone, now, 5) : [];
  return {
    agent: { id: s.agent_id, type: "agent" as const, version: s.agent_version },
    archived_at: isoSeconds(s.archived_at),
    created_at: isoSeconds(s.created_at)!,
    description: s.description,
    environment_id: s.environment_id,
    id: depId(s.id),
    initial_events: JSON.parse(s.initial_events) as unknown[],
    metadata: {
      ...(JSON.parse(s.metadata) as Record<string, unknown>),
      cas_config: {
        config: { max_concurrent: s.max_concurrent, max_retries: s.max_retries, timeout_ms: s.timeout_ms },
        session_strategy: s.session_strategy as "new_session" | "reuse_session",
        stats: {
          consecutive_failures: s.consecutive_failures,
          last_triggered_at: isoSeconds(s.last_triggered_at),
          next_trigger_at: isoSeconds(isScheduleFiring(s) ? s.next_trigger_at : null),
          total_failures: s.total_failures,
          total_runs: s.total_runs,
        },
      },
    },
    name: s.name,
    paused_reason: s.paused_reason,
    resources: JSON.parse(s.resources) as unknown[],
    schedule: {
      expression: s.cron_expression,
      last_run_at: isoSeconds(s.last_run_at),
      timezone: s.timezone,
      type: "cron" as const,
      upcoming_runs_at: upcoming.map((d) => isoSeconds(d.toISOString())!),
    },
    status: s.status as "active" | "paused",
    type: "deployment" as const,
    updated_at: isoSeconds(s.updated_at)!,
    vault_ids: JSON.parse(s.vault_ids) as string[],
  };
}

/** The store id of a run id (`run_` + 32 hex digits), or undefined. */
export const fromRunId = (id: string) => fromPrefixedId("run", id);

export const runView = (r: ScheduleRunRow) => ({
  id: `run_${r.id.replaceAll("-", "")}`,
  type: "deployment_run" as const,
  deployment_id: depId(r.schedule_id),
  trigger: r.trigger as "cron" | "manual",
  scheduled_for: r.scheduled_for,
  status: r.status as "pending" | "running" | "completed" | "failed" | "skipped",
  attempt: r.attempt,
  session_id: r.session_id,
  started_at: r.started_at,
  ended_at: r.ended_at,
  duration_ms: r.duration_ms,
  exit_code: r.exit_code,
  output: r.output,
  error: r.error,
  created_at: r.created_at,
});

export const environmentView = (e: EnvironmentRow) => ({
  id: e.id,
  type: "environment" as const,
  name: e.name,
  description: e.description,
  config: JSON.parse(e.config) as Record<string, unknown>,
  created_at: e.created_at,
  updated_at: e.updated_at,
  archived_at: e.archived_at,
});

export const vaultView = (v: VaultRow) => ({
  id: v.id,
  type: "vault" as const,
  name: v.name,
  secret_names: JSON.parse(v.secret_names) as string[],
  created_at: v.created_at,
  updated_at: v.updated_at,
});
