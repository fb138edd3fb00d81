/**
 * The deployment lifecycle: the one place a canonical status may change, and every question asked
 * about a status. Pure. `transition(from, event)` answers the next status or a typed refusal; the
 * store applies it (`Store.transition`: compare-and-set on the status read, plus the lifecycle
 * event, in one transaction). The predicates below are the rules services and surfaces ask; no code
 * outside src/domain compares a status with a literal (test/architecture.test.ts scans for it).
 *
 * SPEC §1: `pending → deploying → running → ready`, `ready ⇄ paused` (via `pausing`/`resuming`),
 * `stopped`, `failed` (with reason), `deleting → destroyed`.
 */
import type { CanonicalStatus } from "./status.js";
import { assertNever } from "./errors.js";

/** The status a new deployment is written with. */
export const INITIAL_STATUS: CanonicalStatus = "pending";

/** What happened to a deployment; who sends each is named on its line. */
export type LifecycleEvent =
  /** reconciler: what the driver reports for a deployment that wants processes */
  | { type: "observed"; desired: number; ready: number; running: number }
  /** reconciler: a replica failed to start, or the config cannot run on this runtime */
  | { type: "workloadFailed" }
  /** pause service, idle pause, restore: every workload scaled to 0 */
  | { type: "pause" }
  /** reconciler: no process of a pausing deployment is left */
  | { type: "workloadsStopped" }
  /** resume service, wake, restore: workloads scaled back up */
  | { type: "resume" }
  /** resume service: the runtime could not make it ready in time */
  | { type: "resumeFailed" }
  /** restart service: new processes for every workload (restart generation bumped) */
  | { type: "restart" }
  /** delete service: finalizers begin */
  | { type: "delete" }
  /** reconciler: finalizers done, the record is kept (`retain`) */
  | { type: "finalized" }
  /** redeploy: a newer deployment became current in the namespace */
  | { type: "superseded" }
  /** redeploy: the new deployment failed and the namespace went back to the one it replaced */
  | { type: "rolledBack" }
  /** redeploy rollback: the replaced deployment is current again, paused or (to be restarted) stopped */
  | { type: "restored"; paused: boolean };

export type LifecycleEventType = LifecycleEvent["type"];

export interface Refusal {
  from: CanonicalStatus;
  event: LifecycleEventType;
  message: string;
}

/** `to === from` means the event changes nothing (an idempotent repeat). */
export type TransitionResult = { ok: true; to: CanonicalStatus } | { ok: false; refusal: Refusal };

const to = (s: CanonicalStatus): TransitionResult => ({ ok: true, to: s });
const refuse = (from: CanonicalStatus, event: LifecycleEventType, why: string): TransitionResult => ({
  ok: false,
  refusal: { from, event, message: `cannot ${why} a deployment in status ${from}` },
});

/** The next status of a deployment in `from` when `event` happens, or why it cannot happen. */
export function transition(from: CanonicalStatus, event: LifecycleEvent): TransitionResult {
  const gone = isDeletingOrGone(from);
  switch (event.type) {
    case "observed":
      if (!wantsProcesses(from)) return refuse(from, event.type, "observe replicas of");
      return to(observedStatus(from, event));
    case "workloadFailed":
      return wantsProcesses(from) ? to("failed") : refuse(from, event.type, "fail");
    case "pause":
      if (gone) return refuse(from, event.type, "pause");
      return to(from === "paused" ? "paused" : "pausing");
    case "workloadsStopped":
      return from === "pausing" ? to("paused") : refuse(from, event.type, "finish pausing");
    case "resume":
      if (gone) return refuse(from, event.type, "resume");
      return to(from === "ready" ? "ready" : "resuming");
    case "resumeFailed":
      return gone ? refuse(from, event.type, "fail to resume") : to("paused");
    case "restart":
      if (gone) return refuse(from, event.type, "restart");
      return to(from === "stopped" || from === "failed" ? "deploying" : from);
    case "delete":
      return to(gone ? from : "deleting");
    case "finalized":
      return from === "deleting" ? to("destroyed") : refuse(from, event.type, "finalize");
    case "superseded":
      if (from === "destroyed") return refuse(from, event.type, "supersede");
      return to(isStillDeploying(from) ? "failed" : "destroyed");
    case "rolledBack":
      return from === "destroyed" ? refuse(from, event.type, "roll back") : to("failed");
    case "restored":
      if (from !== "destroyed") return refuse(from, event.type, "restore");
      return to(event.paused ? "paused" : "stopped");
    default:
      return assertNever(event);
  }
}

/** Statuses in which the deployment counts against its team's tier limit. */
export function isLive(s: CanonicalStatus): boolean {
  switch (s) {
    case "pending":
    case "deploying":
    case "running":
    case "ready":
    case "pausing":
    case "paused":
    case "resuming":
    case "stopped":
      return true;
    case "failed":
    case "deleting":
    case "destroyed":
      return false;
    default:
      return assertNever(s);
  }
}

/** Statuses the reconciler drives toward running processes. */
export function wantsProcesses(s: CanonicalStatus): boolean {
  switch (s) {
    case "pending":
    case "deploying":
    case "running":
    case "ready":
    case "resuming":
      return true;
    case "pausing":
    case "paused":
    case "stopped":
    case "failed":
    case "deleting":
    case "destroyed":
      return false;
    default:
      return assertNever(s);
  }
}

/**
 * The status observed replicas imply for a deployment that wants processes: all desired replicas
 * ready → ready; some process up → running; none yet → deploying (a pending one has been picked up).
 */
export function observedStatus(
  current: CanonicalStatus,
  observed: { desired: number; ready: number; running: number },
): CanonicalStatus {
  if (!wantsProcesses(current)) return current;
  if (observed.desired > 0 && observed.ready >= observed.desired) return "ready";
  if (current === "resuming") return "resuming";
  if (observed.running > 0) return "running";
  return "deploying";
}

/** Whether traffic can be served now (the template platform's `deploymentReady`). */
export const isServing = (s: CanonicalStatus): boolean => s === "ready";

/** Paused, on its way there, or stopped: no process runs and a request or a mention wakes it. */
export const isPausedLike = (s: CanonicalStatus): boolean =>
  s === "paused" || s === "pausing" || s === "stopped";

/** Being deleted or already gone: every write but delete is refused. */
export const isDeletingOrGone = (s: CanonicalStatus): boolean => s === "deleting" || s === "destroyed";

/** Finalizers are running (workloads, volumes, secrets, then the record). */
export const isDeleting = (s: CanonicalStatus): boolean => s === "deleting";

/** The record is only kept for history (`retain` deletion, or superseded after it was ready). */
export const isDestroyed = (s: CanonicalStatus): boolean => s === "destroyed";

/** Not yet ready since it was created or resumed: superseding it marks it failed, not destroyed. */
export const isStillDeploying = (s: CanonicalStatus): boolean =>
  s === "pending" || s === "deploying" || s === "running" || s === "resuming";

/** Stopped: no process runs and nothing restarts it until asked. */
export const isStopped = (s: CanonicalStatus): boolean => s === "stopped";

/** Stopped or failed: the agent deployments surface shows an error and allows a restart. */
export const isStoppedOrFailed = (s: CanonicalStatus): boolean => s === "stopped" || s === "failed";

/** A request to pause is a no-op (answered with the deployment as it is). */
export const pauseIsNoop = (s: CanonicalStatus): boolean => s === "paused";

/** A client may ask to pause it (cloud runtime: anything else is 422). */
export const canPause = (s: CanonicalStatus): boolean =>
  s === "ready" || s === "running" || s === "deploying" || s === "pending";

/** A request to resume is a no-op. */
export const resumeIsNoop = (s: CanonicalStatus): boolean => s === "ready";

/** A client may ask to resume it (cloud runtime: anything else is 422). */
export const canResume = isPausedLike;

/** The agent deployments surface scales only a running or ready deployment. */
export const canScale = (s: CanonicalStatus): boolean => s === "running" || s === "ready";

/** The agent deployments surface restarts only a stopped or failed deployment (otherwise 400). */
export const canRestart = isStoppedOrFailed;

/** Its volume can be backed up or restored (its workloads exist, running or scaled to 0). */
export const canBackUp = (s: CanonicalStatus): boolean =>
  s === "ready" || s === "running" || s === "paused" || s === "stopped" || s === "deploying";

/** A client may still change it (config, restart, redeploy, idle timeout). */
export const isMutable = (s: CanonicalStatus): boolean => !isDeletingOrGone(s);

/** Where a wait for a deployment to come up ends: ready, failed, or not yet (undefined). */
export function settledOutcome(s: CanonicalStatus): "ready" | "failed" | undefined {
  if (s === "ready") return "ready";
  if (s === "failed") return "failed";
  return undefined;
}

/**
 * Statuses in which a deployment is settled without processes: a periodic resync has nothing to do
 * for them unless the runtime still runs one of their workloads (which the resync also looks at).
 */
export function isSettledWithoutProcesses(s: CanonicalStatus): boolean {
  switch (s) {
    case "paused":
    case "stopped":
    case "failed":
    case "destroyed":
      return true;
    case "pending":
    case "deploying":
    case "running":
    case "ready":
    case "resuming":
    case "pausing":
    case "deleting":
      return false;
    default:
      return assertNever(s);
  }
}

/** The statuses isSettledWithoutProcesses holds for (a literal: status.ts imports this module). */
export const SETTLED_WITHOUT_PROCESSES: readonly CanonicalStatus[] = [
  "paused",
  "stopped",
  "failed",
  "destroyed",
];
