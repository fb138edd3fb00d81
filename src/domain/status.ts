/**
 * Canonical deployment status and how each surface shows it (SPEC §1 table, row for row).
 * Every switch over a status ends in assertNever so a new status cannot be forgotten. How a status
 * may change, and the rules asked of it, live in lifecycle.ts.
 */
import { assertNever } from "./errors.js";
import { isLive } from "./lifecycle.js";

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

/** Statuses that do not count against a tier (`failed`, `deleting`, `destroyed`); for store filters. */
export const notLiveStatuses = (): CanonicalStatus[] => CANONICAL_STATUSES.filter((s) => !isLive(s));

/** The status names each surface shows (SPEC §1 table columns). */
export const CLOUD_STATUSES = [
  "pending",
  "deploying",
  "deployed",
  "paused",
  "resuming",
  "failed",
  "destroyed",
] as const;
export const AGENT_DEPLOYMENT_STATUSES = [
  "deploying",
  "running",
  "ready",
  "stopped",
  "failed",
  "killed",
] as const;
export const PLATFORM_STATUSES = ["Pending", "Provisioning", "Ready", "Error", "Deleting"] as const;
export type CloudStatus = (typeof CLOUD_STATUSES)[number];
export type AgentDeploymentStatus = (typeof AGENT_DEPLOYMENT_STATUSES)[number];
export type PlatformStatus = (typeof PLATFORM_STATUSES)[number];

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

/** The canonical statuses a surface status name stands for (inverse of the mappings above). */
export function canonicalFor<S extends string>(view: (s: CanonicalStatus) => S, shown: S): CanonicalStatus[] {
  return CANONICAL_STATUSES.filter((s) => view(s) === shown);
}
