/**
 * berth killed with SIGKILL during a backup's archiving phase and during a restore's volume phase:
 * after a restart the operation ends (completed or failed), the namespace lock is free, the
 * sandbox runs exactly once, and the volume is either the old or the restored content.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ApiClient, apiClient, onlyVolume, viaIngress, waitFor } from "./support/berth.js";
import {
  type BerthDataDir,
  type BerthProcess,
  berthDataDir,
  processesUnder,
  spawnBerth,
} from "./support/process.js";

let data: BerthDataDir;
let berth: BerthProcess;
let api: ApiClient;
const admin = `admin-${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  data = await berthDataDir("berth-bcrash-", {
    BERTH_ADMIN_TOKEN: admin,
    BERTH_RESYNC_MS: "300",
    BERTH_STOP_GRACE_MS: "2000",
  });
  berth = await spawnBerth(data.env);
  api = apiClient(berth.url, admin);
});

afterAll(() => data?.remove(berth));

async function restart() {
  await berth.kill("SIGKILL");
  berth = await spawnBerth(data.env);
  api = apiClient(berth.url, admin);
}

it("finishes or cleanly fails backup and restore interrupted by SIGKILL, volume intact", async () => {
  const team = await api("POST", "/api/teams", { body: { name: "b", tier: "business" } });
  const dep = await api("POST", "/api/deployments", {
    body: { template: "counter-agent", teamId: team.body.id },
  });
  const id: string = dep.body.id;
  const host = `${dep.body.name}.localhost`;
  const cloud = (a: string) => `/api/cloud-saas/deployments/${id}/${a}`;
  const count = async () => JSON.parse((await viaIngress(berth.url, host)).text).count as number;
  const deployed = () =>
    waitFor(
      async () =>
        (await api("GET", `/api/cloud-saas/deployments/${id}`)).body.deployment?.status === "deployed",
      "deployed",
      30_000,
    );
  await deployed();
  for (let i = 0; i < 2; i++) await viaIngress(berth.url, host, "/increment", { method: "POST" });
  const volume = await onlyVolume(data.dir, "counter");
  await fs.writeFile(path.join(volume, "bulk.bin"), randomBytes(160 * 1024 * 1024));
  const backupOf = async (backupId: string) =>
    (await api("GET", cloud("backups"))).body.backups.find((b: { id: string }) => b.id === backupId);

  // backup: killed while archiving
  const started = await api("POST", cloud("backups"), { body: { driver: "restic" } });
  expect(started.status).toBe(202);
  const backupId = started.body.backup.id as string;
  await waitFor(
    async () => (await backupOf(backupId))?.phase === "object-archiving",
    "archiving",
    30_000,
    20,
  );
  await restart();
  const finished = await waitFor(
    async () => {
      const b = await backupOf(backupId);
      return b && b.status !== "running" ? b : undefined;
    },
    "backup finished after restart",
    120_000,
    200,
  );
  expect(finished.status).toBe("succeeded");
  await deployed();
  expect(processesUnder(data.dir)).toHaveLength(1);
  expect(await count()).toBe(2);

  // restore: killed while the volume is being restored
  for (let i = 0; i < 3; i++) await viaIngress(berth.url, host, "/increment", { method: "POST" });
  expect(await count()).toBe(5);
  const restore = await api("POST", cloud("restore"), { body: { backupId } });
  expect(restore.status).toBe(202);
  await waitFor(
    async () => (await backupOf(backupId))?.phase === "restoring-pvc",
    "restoring-pvc",
    30_000,
    10,
  );
  await restart();
  const restored = await waitFor(
    async () => {
      const b = await backupOf(backupId);
      return b && (b.restoreStatus === "succeeded" || b.restoreStatus === "failed") ? b : undefined;
    },
    "restore finished after restart",
    120_000,
    200,
  );
  await deployed();
  expect(processesUnder(data.dir)).toHaveLength(1);
  const after = await count();
  expect(restored.restoreStatus === "succeeded" ? after === 2 : after === 5).toBe(true);
  const leftovers = (await fs.readdir(path.dirname(volume))).filter((f) => f !== "counter");
  expect(leftovers).toEqual([]);

  // the namespace lock is free
  const pause = await api("POST", cloud("pause"));
  expect(pause.status).toBe(200);
}, 300_000);
