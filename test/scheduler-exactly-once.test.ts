/**
 * Schedules on the real clock: a per-second schedule with the counter-agent keeps exact stats;
 * two berth processes on one PostgreSQL run each fire time exactly once; berth killed between fire
 * times neither duplicates a run after restart nor replays the missed ones in a burst.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient, waitFor } from "./support/berth.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";
import { type BerthProcess, berthDataDir, spawnBerth } from "./support/process.js";
import { counterSchedule, expectEachFireTimeOnce, pauseAndSettle, runsOf } from "./support/schedules.js";

const admin = `admin-${randomBytes(16).toString("hex")}`;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function dataDir(): Promise<string> {
  const data = await berthDataDir("berth-sched-", {});
  cleanups.push(() => data.remove());
  return data.dir;
}

async function start(env: Record<string, string>): Promise<BerthProcess> {
  const b = await spawnBerth({ BERTH_ADMIN_TOKEN: admin, ...env });
  cleanups.push(() => b.kill("SIGKILL"));
  return b;
}

const everySecond = (url: string) => counterSchedule(url, admin);

describe("real clock", () => {
  it("runs a per-second schedule with the counter-agent and keeps exact stats", async () => {
    const b = await start({ BERTH_DATA_DIR: await dataDir() });
    const { api, id } = await everySecond(b.url);
    await waitFor(
      async () => (await runsOf(api, id)).filter((r) => r.status === "completed").length >= 4,
      "4 runs",
      30_000,
    );
    const runs = await pauseAndSettle(api, id);
    const completed = runs.filter((r) => r.status === "completed");
    expect(completed.length).toBeGreaterThanOrEqual(4);
    expectEachFireTimeOnce(runs);
    const stats = (await api("GET", `/api/v1/cloud/deployments/${id}`)).body.metadata.cas_config.stats;
    expect(stats.total_runs).toBe(completed.length + runs.filter((r) => r.status === "failed").length);
    expect(stats.total_failures).toBe(runs.filter((r) => r.status === "failed").length);
  }, 60_000);

  it("runs each fire time exactly once across two berth processes sharing PostgreSQL", async () => {
    const pg: TestPostgres = await startPostgres();
    cleanups.push(() => pg.stop());
    const url = await pg.createDatabase("berth_sched");
    const a = await start({ BERTH_DATA_DIR: await dataDir(), DATABASE_URL: url });
    const b = await start({ BERTH_DATA_DIR: await dataDir(), DATABASE_URL: url });
    const { api, id, key } = await everySecond(a.url);
    await waitFor(async () => (await runsOf(api, id)).length >= 22, "22 fire times", 60_000, 200);
    // paused and read through the other control plane: both serve the same store
    const runs = await pauseAndSettle(apiClient(b.url, key), id);
    expect(runs.length).toBeGreaterThanOrEqual(20);
    expectEachFireTimeOnce(runs);
    expect(runs.filter((r) => r.status === "completed").length).toBeGreaterThanOrEqual(20);
    const stats = (await api("GET", `/api/v1/cloud/deployments/${id}`)).body.metadata.cas_config.stats;
    expect(stats.total_runs).toBe(
      runs.filter((r) => r.status === "completed" || r.status === "failed").length,
    );
  }, 120_000);

  it("neither duplicates nor bursts missed runs when berth is killed between fire times", async () => {
    const dir = await dataDir();
    let b = await start({ BERTH_DATA_DIR: dir });
    const { id } = await everySecond(b.url);
    const adminApi = apiClient(b.url, admin);
    await waitFor(
      async () => (await runsOf(adminApi, id)).filter((r) => r.status === "completed").length >= 3,
      "3 runs",
      30_000,
    );
    await b.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 3_000));
    b = await start({ BERTH_DATA_DIR: dir });
    const api = apiClient(b.url, admin);
    await new Promise((r) => setTimeout(r, 3_000));
    const runs = await pauseAndSettle(api, id);
    expectEachFireTimeOnce(runs);
    const skipped = runs.filter((r) => r.status === "skipped");
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    const completed = runs.filter((r) => r.status === "completed").map((r) => Date.parse(r.scheduled_for));
    expect(new Set(completed).size).toBe(completed.length);
  }, 90_000);
});
