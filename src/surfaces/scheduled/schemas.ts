/**
 * Response schemas of the scheduled deployments surface (seed 003), field for field as
 * capabilities/schedules/views.ts renders them. They document /openapi.json and type the SDK;
 * responses are serialised as the views build them (src/http/server.ts).
 */
import { z } from "zod";
import { RUN_STATUSES, SCHEDULE_STATUSES } from "../../domain/record-status.js";

const time = z.string().describe("ISO 8601, second precision");
/** A page, newest first: `after_id` of the next page is `last_id`. */
const list = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    has_more: z.boolean(),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
  });

export const scheduledDeploymentSchema = z.object({
  agent: z.object({ id: z.string(), type: z.literal("agent"), version: z.number().int() }),
  archived_at: time.nullable(),
  created_at: time,
  description: z.string(),
  environment_id: z.string(),
  id: z.string(),
  initial_events: z.array(z.unknown()),
  metadata: z
    .object({
      cas_config: z.object({
        config: z.object({
          max_concurrent: z.number().int(),
          max_retries: z.number().int(),
          timeout_ms: z.number().int(),
        }),
        session_strategy: z.enum(["new_session", "reuse_session"]),
        stats: z.object({
          consecutive_failures: z.number().int(),
          last_triggered_at: time.nullable(),
          next_trigger_at: time.nullable(),
          total_failures: z.number().int(),
          total_runs: z.number().int(),
        }),
      }),
    })
    .catchall(z.unknown()),
  name: z.string(),
  paused_reason: z.string().nullable(),
  resources: z.array(z.unknown()),
  schedule: z.object({
    expression: z.string(),
    last_run_at: time.nullable(),
    timezone: z.string(),
    type: z.literal("cron"),
    upcoming_runs_at: z.array(time),
  }),
  status: z.enum(SCHEDULE_STATUSES),
  type: z.literal("deployment"),
  updated_at: time,
  vault_ids: z.array(z.string()),
});

export const scheduledListSchema = list(scheduledDeploymentSchema);

export const deletedSchema = z.object({ id: z.string(), type: z.literal("deployment_deleted") });

export const runSchema = z.object({
  id: z.string(),
  type: z.literal("deployment_run"),
  deployment_id: z.string(),
  trigger: z.enum(["cron", "manual"]),
  scheduled_for: z.string(),
  status: z.enum(RUN_STATUSES),
  attempt: z.number().int(),
  session_id: z.string().nullable(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  exit_code: z.number().int().nullable(),
  output: z.string().nullable().describe("last 4000 characters, vault values masked"),
  error: z.string().nullable(),
  created_at: z.string(),
});
export const runListSchema = list(runSchema);

export const environmentSchema = z.object({
  id: z.string(),
  type: z.literal("environment"),
  name: z.string(),
  description: z.string(),
  config: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
  archived_at: z.string().nullable(),
});
export const environmentListSchema = list(environmentSchema);

export const vaultSchema = z.object({
  id: z.string(),
  type: z.literal("vault"),
  name: z.string(),
  secret_names: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export const vaultListSchema = list(vaultSchema);
