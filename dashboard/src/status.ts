/**
 * The dashboard's one status vocabulary. berth's surfaces each name statuses their own way (SPEC §1
 * table); the dashboard reads the cloud runtime's status (which tells paused from stopped) and the
 * template platform's (which still lists failed deployments) and shows one badge per deployment.
 */
export type Badge = "starting" | "ready" | "paused" | "resuming" | "failed" | "deleting";

export const BADGES: Record<Badge, { label: string; meaning: string }> = {
  starting: { label: "Starting", meaning: "being created or started; not answering requests yet" },
  ready: { label: "Ready", meaning: "running and healthy; its ingress answers" },
  paused: { label: "Paused", meaning: "scaled to zero with its volume kept; a request to its URL wakes it" },
  resuming: { label: "Resuming", meaning: "waking from pause or a restore" },
  failed: { label: "Failed", meaning: "could not start or keeps crashing; see its events and logs" },
  deleting: { label: "Deleting", meaning: "being removed with its volumes and secrets" },
};

/** Cloud runtime status → badge. */
export function badgeOfCloud(status: string): Badge {
  switch (status) {
    case "deployed":
      return "ready";
    case "paused":
      return "paused";
    case "resuming":
      return "resuming";
    case "failed":
      return "failed";
    case "destroyed":
      return "deleting";
    default:
      return "starting";
  }
}

/** Template platform status → badge (used for deployments the cloud list hides: failed ones). */
export function badgeOfPlatform(status: string, ready: boolean): Badge {
  switch (status) {
    case "Ready":
      return ready ? "ready" : "paused";
    case "Error":
      return "failed";
    case "Deleting":
      return "deleting";
    default:
      return "starting";
  }
}
