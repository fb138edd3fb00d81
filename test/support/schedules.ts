/**
 * Scheduled-deployment test helpers (seed 003 surface): a team whose key runs the counter-agent on
 * a cron schedule, the run history, and the checks that every fire time ran exactly once.
 */
import { expect } from "vitest";
import { type ApiClient, apiClient, teamWithKey, waitFor } from "./berth.js";

const COUNTER_AGENT = { name: "counter", image: "berth/counter-agent", port: 8080 };

/**
 * A team, a key, an agent (default: the counter-agent), an environment and a schedule firing on
 * `cron` (seconds field first).
 */
export async function counterSchedule(
  url: string,
  admin: string,
  cron = "* * * * * *",
  agentSpec: Record<string, unknown> = COUNTER_AGENT,
): Promise<{ api: ApiClient; id: string; key: string }> {
  const { key } = await teamWithKey(
    apiClient(url, admin),
    ["deployments:read", "deployments:write", "agents:write"],
    "business",
  );
  const api = apiClient(url, key);
  const agent = await api("POST", "/api/agents", {
    body: { name: String(agentSpec.name), spec: agentSpec },
  });
  const env = await api("POST", "/api/v1/cloud/environments", { body: { name: "prod" } });
  const dep = await api("POST", "/api/v1/cloud/deployments", {
    body: {
      agent: agent.body.id,
      environment_id: env.body.id,
      name: "on a schedule",
      initial_events: [{ type: "user.message", content: "tick" }],
      schedule: { type: "cron", expression: cron, timezone: "UTC" },
      metadata: { cas_config: { config: { max_concurrent: 5, timeout_ms: 10_000 } } },
    },
  });
  expect(dep.status, dep.text).toBe(200);
  return { api, id: dep.body.id, key };
}

export type Run = { status: string; scheduled_for: string; trigger: string; error: string | null };

export const runsOf = async (api: ApiClient, id: string) =>
  (await api("GET", `/api/v1/cloud/deployments/${id}/runs?limit=100`)).body.data as Run[];

/** Pauses the schedule and waits until no run is pending or running; returns the runs. */
export async function pauseAndSettle(api: ApiClient, id: string): Promise<Run[]> {
  await api("POST", `/api/v1/cloud/deployments/${id}/pause`, { body: { reason: "test over" } });
  return waitFor(
    async () => {
      const list = await runsOf(api, id);
      return list.every((r) => r.status !== "running" && r.status !== "pending") ? list : undefined;
    },
    "runs settled",
    30_000,
  );
}

/** Every fire time appears once, and consecutive ones are exactly `periodMs` apart (none skipped). */
export function expectEachFireTimeOnce(runs: Run[], periodMs = 1000): void {
  const times = runs.map((r) => Date.parse(r.scheduled_for)).sort((a, b) => a - b);
  expect(new Set(times).size).toBe(times.length);
  for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBe(periodMs);
}
