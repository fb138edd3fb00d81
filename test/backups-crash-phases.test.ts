/**
 * SIGKILL in the remaining backup and restore phases: while a volume snapshot is copied (the
 * sandbox is frozen then), while the sandbox is being paused for a restore, and while it is being
 * resumed. After each restart: the operation ends, the sandbox runs once and answers, the volume is
 * whole (old or restored content), and the namespace lock is free.
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

/** Serves state.txt from its volume; ignores SIGTERM (slow to pause) and gets ready after 1.5 s (slow to resume). */
const APP = `
const fs = require("fs"), path = require("path");
process.on("SIGTERM", () => {});
setTimeout(() => require("http").createServer((q, s) => {
  let v = "none"; try { v = fs.readFileSync(path.join(process.env.BERTH_VOLUME_DIR, "state.txt"), "utf8"); } catch {}
  s.end(v);
}).listen(process.env.PORT), 1500);
`;

let data: BerthDataDir;
let berth: BerthProcess;
let api: ApiClient;
const admin = `admin-${randomBytes(16).toString("hex")}`;

beforeAll(async () => {
  data = await berthDataDir("berth-bphase-", {
    BERTH_ADMIN_TOKEN: admin,
    BERTH_RESYNC_MS: "300",
    BERTH_STOP_GRACE_MS: "1500",
  });
  berth = await spawnBerth(data.env);
  api = apiClient(berth.url, admin);
});

afterAll(() => data?.remove(berth));

it("recovers from SIGKILL during snapshot-creating, restoring-pausing and restoring-resuming", async () => {
  const team = await api("POST", "/api/teams", { body: { name: "p", tier: "business" } });
  const agent = await api("POST", "/api/agents", {
    body: {
      name: "state",
      teamId: team.body.id,
      spec: { name: "state", command: "node", args: ["-e", APP], port: 8080 },
    },
  });
  const dep = await api("POST", "/deployments", { body: { agent_id: agent.body.id } });
  const id: string = dep.body.id;
  const cloud = (a: string) => `/api/cloud-saas/deployments/${id}/${a}`;
  const host = `${dep.body.name}.localhost`;
  const deployed = () =>
    waitFor(
      async () =>
        (await api("GET", `/api/cloud-saas/deployments/${id}`)).body.deployment?.status === "deployed",
      "deployed",
      60_000,
    );
  const backupOf = async (b: string) =>
    (await api("GET", cloud("backups"))).body.backups.find((x: { id: string }) => x.id === b);
  const restart = async () => {
    await berth.kill("SIGKILL");
    berth = await spawnBerth(data.env);
    api = apiClient(berth.url, admin);
  };
  const serving = async () => (await viaIngress(berth.url, host)).text;
  /** POSTs, again while an operation recovered after a restart still holds the namespace. */
  const post = async (p: string, body: object) => {
    for (;;) {
      const res = await api("POST", p, { body });
      if (res.status !== 409) return res;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await deployed();
  const volume = await onlyVolume(data.dir, "state");
  await fs.writeFile(path.join(volume, "state.txt"), "v1");
  await fs.writeFile(path.join(volume, "bulk.bin"), randomBytes(200 * 1024 * 1024));

  // 1. killed while the snapshot is copied (the sandbox is frozen meanwhile)
  const snap = await post(cloud("backups"), { driver: "volumeSnapshot" });
  await waitFor(
    async () => (await backupOf(snap.body.backup.id))?.phase === "snapshot-creating",
    "snapshot-creating",
    30_000,
    5,
  );
  await restart();
  const done = await waitFor(
    async () => {
      const b = await backupOf(snap.body.backup.id);
      return b && b.status !== "running" ? b : undefined;
    },
    "snapshot finished",
    120_000,
    100,
  );
  expect(done.status).toBe("succeeded");
  await deployed();
  // right after a restart the adopted sandbox may answer 502 for a moment; it must come back with v1
  await waitFor(async () => (await serving()) === "v1", "serving v1", 30_000);
  expect(processesUnder(data.dir)).toHaveLength(1);

  // 2. killed while the sandbox is being paused for the restore, then 3. while it is resumed
  for (const phase of ["restoring-pausing", "restoring-resuming"]) {
    await fs.writeFile(path.join(volume, "state.txt"), "v2");
    const r = await post(cloud("restore"), { backupId: snap.body.backup.id });
    expect(r.status).toBe(202);
    await waitFor(async () => (await backupOf(snap.body.backup.id))?.phase === phase, phase, 60_000, 5);
    await restart();
    const restored = await waitFor(
      async () => {
        const b = await backupOf(snap.body.backup.id);
        return b && (b.restoreStatus === "succeeded" || b.restoreStatus === "failed") && b.phase !== phase
          ? b
          : undefined;
      },
      `restore after kill in ${phase}`,
      120_000,
      100,
    );
    await deployed();
    expect(processesUnder(data.dir)).toHaveLength(1);
    const expected = restored.restoreStatus === "succeeded" ? "v1" : "v2";
    await waitFor(async () => (await serving()) === expected, `serving ${expected}`, 30_000);
    expect((await fs.readdir(path.dirname(volume))).filter((f) => f !== "state")).toEqual([]);
  }
  expect((await post(cloud("pause"), {})).status).toBe(200);
}, 400_000);
