/**
 * berth killed with SIGKILL and started again on the same data: running workloads are adopted (same
 * process, no duplicate), and a workload that died while berth was down is started exactly once.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { apiClient, teamWithKey, viaIngress, waitFor } from "./support/berth.js";
import {
  type BerthDataDir,
  type BerthProcess,
  berthDataDir,
  processesUnder,
  spawnBerth,
} from "./support/process.js";

let data: BerthDataDir;
let current: BerthProcess | undefined;
const admin = `admin-${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  data = await berthDataDir("berth-restart-", {
    BERTH_ADMIN_TOKEN: admin,
    BERTH_RESYNC_MS: "300",
    BERTH_BACKOFF_INITIAL_MS: "100",
    BERTH_STOP_GRACE_MS: "2000",
  });
});

afterAll(() => data?.remove(current));

async function statusOf(url: string, token: string, name: string) {
  const r = await apiClient(url, token)<{ deploymentReady: boolean }>(
    "GET",
    `/api/deployments/status?name=${name}`,
  );
  return r.body;
}

it("adopts running workloads after SIGKILL and restarts ones that died meanwhile, never duplicating", async () => {
  current = await spawnBerth(data.env);
  const { key } = await teamWithKey(
    apiClient(current.url, admin),
    ["deployments:read", "deployments:write"],
    "business",
  );
  const dep = await apiClient(current.url, key)<{ name: string }>("POST", "/api/deployments", {
    body: { template: "hello", envVars: { GREETING: "survivor" } },
  });
  expect(dep.status).toBe(201);
  const name = dep.body.name;
  await waitFor(async () => (await statusOf(current!.url, key, name)).deploymentReady, "ready");
  const [pid, ...more] = processesUnder(data.dir);
  expect(pid).toBeDefined();
  expect(more).toEqual([]);

  await current.kill("SIGKILL");
  expect(processesUnder(data.dir)).toEqual([pid]);

  current = await spawnBerth(data.env);
  await waitFor(async () => (await statusOf(current!.url, key, name)).deploymentReady, "ready after restart");
  expect((await viaIngress(current.url, `${name}.localhost`, "/")).text).toBe("hello: survivor\n");
  await new Promise((r) => setTimeout(r, 1_000)); // a few resync periods: nothing may start a second copy
  expect(processesUnder(data.dir)).toEqual([pid]);

  await current.kill("SIGKILL");
  process.kill(pid!, "SIGKILL");
  await waitFor(() => processesUnder(data.dir).length === 0, "workload gone");

  current = await spawnBerth(data.env);
  await waitFor(
    async () => (await viaIngress(current!.url, `${name}.localhost`, "/")).text === "hello: survivor\n",
    "served again",
  );
  await new Promise((r) => setTimeout(r, 1_000));
  const after = processesUnder(data.dir);
  expect(after).toHaveLength(1);
  expect(after[0]).not.toBe(pid);

  const del = await apiClient(current.url, key)("POST", "/api/deployments/delete", {
    body: { deployment_name: name },
  });
  expect(del.status).toBe(200);
  await waitFor(() => processesUnder(data.dir).length === 0, "processes gone after delete");
  await current.kill("SIGTERM");
  expect(current.output()).not.toContain(admin);
}, 120_000);
