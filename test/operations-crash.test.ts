/**
 * berth killed with SIGKILL in the middle of pause, resume and redeploy: after a restart the
 * operation is finished by the new control plane, the namespace lock is free, the status matches
 * the processes, and no process is duplicated.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ApiClient, apiClient, teamWithKey, waitFor } from "./support/berth.js";
import {
  type BerthDataDir,
  type BerthProcess,
  berthDataDir,
  processesUnder,
  spawnBerth,
} from "./support/process.js";

let data: BerthDataDir;
let berth: BerthProcess | undefined;
let api: ApiClient;
let key: string;
const admin = `admin-${randomBytes(16).toString("hex")}`;

/** Ignores SIGTERM (so stopping takes the whole grace period) and gets ready 1.5 s after start. */
const STUBBORN_SLOW_APP = `
process.on("SIGTERM", () => {});
setTimeout(() => require("http").createServer((q, s) => s.end("up")).listen(process.env.PORT), 1500);
`;

async function restart() {
  berth = await spawnBerth(data.env);
  api = apiClient(berth.url, key);
}

beforeAll(async () => {
  data = await berthDataDir("berth-crash-", {
    BERTH_ADMIN_TOKEN: admin,
    BERTH_RESYNC_MS: "300",
    BERTH_STOP_GRACE_MS: "1500",
  });
  berth = await spawnBerth(data.env);
  ({ key } = await teamWithKey(
    apiClient(berth.url, admin),
    ["deployments:read", "deployments:write", "agents:write"],
    "business",
  ));
  api = apiClient(berth.url, key);
});

afterAll(() => data?.remove(berth));

const cloud = (id: string, action = "") => `/api/cloud-saas/deployments/${id}${action ? `/${action}` : ""}`;
const statusOf = async (id: string) => (await api("GET", cloud(id))).body.deployment?.status as string;

const eventCount = async (id: string, type: string) =>
  (await api("GET", `/deployments/${id}/events?event_type=${type}`)).body.total as number;

/**
 * Starts the request (again while it meets 409: an operation recovered after the previous restart
 * may still hold the namespace), waits until the operation has visibly begun (its event is
 * written), then kills berth.
 */
async function killDuring(request: () => Promise<{ status: number }>, id: string, eventType: string) {
  const before = await eventCount(id, eventType);
  const pending = (async () => {
    for (let i = 0; i < 200; i++) {
      const res = await request().catch(() => undefined);
      if (res?.status !== 409) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await waitFor(async () => (await eventCount(id, eventType)) > before, `${eventType} begun`, 20_000, 10);
  await berth!.kill("SIGKILL");
  await pending;
}

it("finishes pause, resume and redeploy interrupted by SIGKILL, with no stuck lock or duplicate", async () => {
  const agent = await api("POST", "/api/agents", {
    body: {
      name: "slow",
      spec: { name: "slow", command: "node", args: ["-e", STUBBORN_SLOW_APP], port: 8080 },
    },
  });
  const dep = await api("POST", "/deployments", { body: { agent_id: agent.body.id } });
  let id: string = dep.body.id;
  await waitFor(async () => (await statusOf(id)) === "deployed", "deployed", 30_000);
  expect(processesUnder(data.dir)).toHaveLength(1);

  // pause: killed while the process ignores SIGTERM
  await killDuring(() => api("POST", cloud(id, "pause")), id, "pausing");
  expect(processesUnder(data.dir)).toHaveLength(1);
  await restart();
  await waitFor(async () => (await statusOf(id)) === "paused", "paused after restart", 30_000);
  await waitFor(() => processesUnder(data.dir).length === 0, "no process after pause");

  // resume: killed while the process is starting
  await killDuring(() => api("POST", cloud(id, "resume")), id, "resuming");
  await restart();
  await waitFor(async () => (await statusOf(id)) === "deployed", "deployed after restart", 30_000);
  await new Promise((r) => setTimeout(r, 1000));
  expect(processesUnder(data.dir)).toHaveLength(1);

  // redeploy: killed while the old process is stopping
  await killDuring(() => api("POST", cloud(id, "redeploy")), id, "superseded");
  await restart();
  const current = await waitFor(
    async () => {
      const list = await api("GET", "/api/cloud-saas/deployments");
      const now = list.body.deployments.find(
        (d: { isCurrent: boolean; namespace: string }) => d.isCurrent && d.namespace === dep.body.name,
      );
      return now?.status === "deployed" ? now : undefined;
    },
    "redeployed current deployment ready",
    30_000,
  );
  expect(current.id).not.toBe(id);
  expect(await statusOf(id)).toBe("destroyed");
  await new Promise((r) => setTimeout(r, 1000));
  expect(processesUnder(data.dir)).toHaveLength(1);
  id = current.id;

  // the namespace lock is free: a new operation runs to completion
  const pause = await api("POST", cloud(id, "pause"));
  expect(pause.status).toBe(200);
  expect(pause.body.status).toBe("paused");
  expect(processesUnder(data.dir)).toHaveLength(0);
}, 180_000);
