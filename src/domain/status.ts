/**
 * Canonical deployment status and how each surface shows it (SPEC §1 table, row for row).
 * Every switch over a status ends in assertNever so a new status cannot be forgotten.
 */
import { assertNever } from "./errors.js";

export const CANONICAL_STATUSES = [
  "pending",
  "deploying",
  "running",
  "ready",
  "pausing",
  "paused",
  "resuming",
  "stopped",
  "failed",
  "deleting",
  "destroyed",
] as const;
export type CanonicalStatus = (typeof CANONICAL_STATUSES)[number];

export type CloudStatus =
  | "pending"
  | "deploying"
  | "deployed"
  | "paused"
  | "resuming"
  | "failed"
  | "destroyed";
export type AgentDeploymentStatus = "deploying" | "running" | "ready" | "stopped" | "failed" | "killed";
export type PlatformStatus = "Pending" | "Provisioning" | "Ready" | "Error" | "Deleting";

export function toCloudStatus(s: CanonicalStatus): CloudStatus {
  switch (s) {
    case "pending":
      return "pending";
    case "deploying":
    case "running":
      return "deploying";
    case "ready":
      return "deployed";
    case "pausing":
    case "paused":
    case "stopped":
      return "paused";
    case "resuming":
      return "resuming";
    case "failed":
      return "failed";
    case "deleting":
    case "destroyed":
      return "destroyed";
    default:
      return assertNever(s);
  }
}

export function toAgentDeploymentStatus(s: CanonicalStatus): AgentDeploymentStatus {
  switch (s) {
    case "pending":
    case "deploying":
    case "resuming":
      return "deploying";
    case "running":
      return "running";
    case "ready":
      return "ready";
    case "pausing":
    case "paused":
    case "stopped":
      return "stopped";
    case "failed":
      return "failed";
    case "deleting":
    case "destroyed":
      return "killed";
    default:
      return assertNever(s);
  }
}

export function toPlatformStatus(s: CanonicalStatus): PlatformStatus {
  switch (s) {
    case "pending":
      return "Pending";
    case "deploying":
    case "running":
    case "resuming":
      return "Provisioning";
    case "ready":
    case "pausing":
    case "paused":
      return "Ready";
    case "stopped":
    case "failed":
      return "Error";
    case "deleting":
    case "destroyed":
      return "Deleting";
    default:
      return assertNever(s);
  }
}

/** Whether traffic can be served now (the template platform's `deploymentReady`). */
export const isServing = (s: CanonicalStatus): boolean => s === "ready";

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

export const SETTLED_WITHOUT_PROCESSES: readonly CanonicalStatus[] =
  CANONICAL_STATUSES.filter(isSettledWithoutProcesses);

/**
 * The status observed replicas imply for a deployment that wants processes:
 * all desired replicas ready → ready; some process up → running; none yet → deploying.
 */
export function observedStatus(
  current: CanonicalStatus,
  observed: { desired: number; ready: number; running: number },
): CanonicalStatus {
  if (!wantsProcesses(current)) return current;
  if (observed.desired > 0 && observed.ready >= observed.desired) return "ready";
  if (current === "resuming") return "resuming";
  if (observed.running > 0) return "running";
  return current === "pending" ? "pending" : "deploying";
}

/** The canonical statuses a surface status name stands for (inverse of the mappings above). */
export function canonicalFor<S extends string>(view: (s: CanonicalStatus) => S, shown: S): CanonicalStatus[] {
  return CANONICAL_STATUSES.filter((s) => view(s) === shown);
}
