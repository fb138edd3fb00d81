/**
 * berth killed with SIGKILL and started again on the same data: running workloads are adopted (same
 * process, no duplicate), and a workload that died while berth was down is started exactly once.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { apiClient, viaIngress, waitFor } from "./support/berth.js";
import { type BerthProcess, processesUnder, spawnBerth } from "./support/process.js";

let dataDir: string;
let env: Record<string, string>;
let current: BerthProcess | undefined;
const admin = `admin-${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-restart-"));
  env = {
    BERTH_DATA_DIR: dataDir,
    BERTH_ADMIN_TOKEN: admin,
    BERTH_RESYNC_MS: "300",
    BERTH_BACKOFF_INITIAL_MS: "100",
    BERTH_STOP_GRACE_MS: "2000",
  };
});

afterAll(async () => {
  await current?.kill("SIGKILL");
  for (const pid of processesUnder(dataDir)) process.kill(pid, "SIGKILL");
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function statusOf(url: string, token: string, name: string) {
  const r = await apiClient(url, token)<{ deploymentReady: boolean }>(
    "GET",
    `/api/deployments/status?name=${name}`,
  );
  return r.body;
}

it("adopts running workloads after SIGKILL and restarts ones that died meanwhile, never duplicating", async () => {
  current = await spawnBerth(env);
  const api = apiClient(current.url, admin);
  const team = await api<{ id: string }>("POST", "/api/teams", {
    body: { name: "restart", tier: "business" },
  });
  const key = (
    await api<{ key: string }>("POST", "/api/keys", {
      body: { name: "k", teamId: team.body.id, scopes: ["deployments:read", "deployments:write"] },
    })
  ).body.key;
  const dep = await apiClient(current.url, key)<{ name: string }>("POST", "/api/deployments", {
    body: { template: "hello", envVars: { GREETING: "survivor" } },
  });
  expect(dep.status).toBe(201);
  const name = dep.body.name;
  await waitFor(async () => (await statusOf(current!.url, key, name)).deploymentReady, "ready");
  const [pid, ...more] = processesUnder(dataDir);
  expect(pid).toBeDefined();
  expect(more).toEqual([]);

  await current.kill("SIGKILL");
  expect(processesUnder(dataDir)).toEqual([pid]);

  current = await spawnBerth(env);
  await waitFor(async () => (await statusOf(current!.url, key, name)).deploymentReady, "ready after restart");
  expect((await viaIngress(current.url, `${name}.localhost`, "/")).text).toBe("hello: survivor\n");
  await new Promise((r) => setTimeout(r, 1_000)); // a few resync periods: nothing may start a second copy
  expect(processesUnder(dataDir)).toEqual([pid]);

  await current.kill("SIGKILL");
  process.kill(pid!, "SIGKILL");
  await waitFor(() => processesUnder(dataDir).length === 0, "workload gone");

  current = await spawnBerth(env);
  await waitFor(
    async () => (await viaIngress(current!.url, `${name}.localhost`, "/")).text === "hello: survivor\n",
    "served again",
  );
  await new Promise((r) => setTimeout(r, 1_000));
  const after = processesUnder(dataDir);
  expect(after).toHaveLength(1);
  expect(after[0]).not.toBe(pid);

  const del = await apiClient(current.url, key)("POST", "/api/deployments/delete", {
    body: { deployment_name: name },
  });
  expect(del.status).toBe(200);
  await waitFor(() => processesUnder(dataDir).length === 0, "processes gone after delete");
  await current.kill("SIGTERM");
  expect(current.output()).not.toContain(admin);
}, 120_000);
