/**
 * Statuses of berth's other records and the rules asked of them, so that no code outside
 * src/domain compares a status with a literal (test/architecture.test.ts): templates (SPEC §1
 * review flow), scheduled deployments and their runs (SPEC §5, seed 003), backups (SPEC §4) and
 * operations. The deployment lifecycle itself is lifecycle.ts.
 */

/** An agent's status (SPEC §1). */
export const AGENT_STATUSES = ["idle", "running", "stopped"] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const TEMPLATE_STATUSES = ["draft", "pending", "approved", "rejected"] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

/** Official approved templates are readable by every key with `templates:read`. */
export const isPublicTemplate = (t: { kind: string; status: string }): boolean =>
  t.kind === "official" && t.status === "approved";

/** Not (yet) published: its owner may change it in place (a draft, or one sent back). */
export const isUnpublishedTemplate = (status: string): boolean => status === "draft" || status === "rejected";

/** What an owner team (not an admin) may do: submit (draft|rejected → pending) or withdraw (pending → draft). */
export function ownerMayMoveTemplate(from: string, to: TemplateStatus): boolean {
  const submit = to === "pending" && isUnpublishedTemplate(from);
  const withdraw = to === "draft" && from === "pending";
  return submit || withdraw;
}

/** Official templates are only ever approved or rejected. */
export const isAdminDecision = (status: TemplateStatus): boolean =>
  status === "approved" || status === "rejected";

/** A scheduled deployment's own status (seed 003): `active | paused`, plus `archived_at`. */
export const SCHEDULE_STATUSES = ["active", "paused"] as const;
export type ScheduleStatus = (typeof SCHEDULE_STATUSES)[number];
export const SCHEDULE_PAUSED: ScheduleStatus = "paused";
export const isSchedulePaused = (status: string): boolean => status === SCHEDULE_PAUSED;

/** Whether it fires: active and not archived. */
export const isScheduleFiring = (s: { status: string; archived_at: string | null }): boolean =>
  s.status === "active" && s.archived_at === null;

export const RUN_STATUSES = ["pending", "running", "completed", "failed", "skipped"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Runs not finished yet (a session may still be running them). */
export const UNFINISHED_RUN_STATUSES: RunStatus[] = ["pending", "running"];

/**
 * The owner of a pending run that a control plane which may not run sessions (a standby of the
 * local runtime) claimed for the lease holder, which adopts and starts it (engine/scheduler.ts).
 */
export const HANDED_OFF_OWNER = "handed-off";

/** A run recorded as skipped ends the moment it is recorded. */
export const isRunSkipped = (status: string): boolean => status === "skipped";
export const isRunFailed = (status: string): boolean => status === "failed";

/** Only a succeeded backup can be restored. */
export const isRestorableBackup = (status: string): boolean => status === "succeeded";

/** The phase an operation row ends in. */
export const finalOperationPhase = (status: "succeeded" | "failed"): string =>
  status === "succeeded" ? "completed" : "failed";
