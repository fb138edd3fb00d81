/**
 * Schedules with the local runtime on one PostgreSQL shared by two real berth processes: only the
 * holder of the runtime lease runs sessions (on its machine; a session leaves its state dir under
 * the data dir of the control plane that ran it), a manual run triggered through the standby is
 * run by the holder, and when the holder is killed with SIGKILL the standby takes over: every fire
 * time is recorded exactly once across the takeover, the run the holder left unfinished ends, and
 * the fire times from then on run on the new holder's machine.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, waitFor } from "./support/berth.js";
import { type LocalControlPlane, localControlPlane, readyz } from "./support/control-planes.js";
import { startPostgres } from "./support/postgres.js";
import { processesUnder } from "./support/process.js";
import { counterSchedule, expectEachFireTimeOnce, pauseAndSettle, runsOf } from "./support/schedules.js";

const admin = `admin-${randomBytes(16).toString("hex")}`;
const cleanups: (() => Promise<void>)[] = [];
let url: string;

beforeAll(async () => {
  const pg = await startPostgres();
  cleanups.push(() => pg.stop());
  url = await pg.createDatabase("berth_sched_standby");
}, 60_000);
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** How many sessions ran on this control plane's machine (one state dir each). */
function sessionsRunIn(cp: LocalControlPlane): number {
  const root = path.join(cp.dir, "sessions");
  if (!fs.existsSync(root)) return 0;
  return fs.readdirSync(root).reduce((n, scope) => n + fs.readdirSync(path.join(root, scope)).length, 0);
}

describe("scheduled sessions with the local runtime on a shared PostgreSQL", () => {
  it("run on the lease holder only, and on the standby once it takes over, each fire time once", async () => {
    const holder = await localControlPlane(url, admin, cleanups);
    const standby = await localControlPlane(url, admin, cleanups);
    expect((await readyz(standby.berth)).status).toBe(503);

    // created and triggered through the standby: both run on the holder
    const { id, key } = await counterSchedule(standby.berth.url, admin);
    const api = apiClient(standby.berth.url, key);
    const manual = await api("POST", `/api/v1/cloud/deployments/${id}/run`, { body: {} });
    expect(manual.status, manual.text).toBe(202);
    await waitFor(
      async () => {
        const runs = await runsOf(api, id);
        const done = runs.filter((r) => r.status === "completed");
        return done.some((r) => r.trigger === "manual") && done.length >= 5;
      },
      "the manual run and 4 fire times completed",
      60_000,
      200,
    );
    expect(sessionsRunIn(standby)).toBe(0);
    expect(sessionsRunIn(holder)).toBeGreaterThanOrEqual(5);

    // killed during a session, whose run it can then never finish
    await waitFor(async () => processesUnder(holder.dir).length > 0, "a session running", 30_000, 10);
    await holder.berth.kill("SIGKILL");
    const killedAt = Date.now();
    await waitFor(async () => (await readyz(standby.berth)).status === 200, "standby ready", 30_000, 100);
    expect(standby.berth.output()).toContain("took over the local-runtime lease");
    await waitFor(
      async () =>
        (await runsOf(api, id)).filter(
          (r) => r.status === "completed" && Date.parse(r.scheduled_for) > killedAt,
        ).length >= 3,
      "3 fire times completed after the takeover",
      60_000,
      200,
    );

    // every run ends: none is left pending or running by the killed holder
    const runs = await pauseAndSettle(api, id);
    expectEachFireTimeOnce(runs.filter((r) => r.trigger === "cron"));
    const afterKill = runs.filter((r) => r.trigger === "cron" && Date.parse(r.scheduled_for) > killedAt);
    // each fire time after the kill ran on the new holder's machine, or was recorded as missed
    expect(afterKill.every((r) => r.status === "completed" || r.status === "skipped")).toBe(true);
    expect(sessionsRunIn(standby)).toBe(afterKill.filter((r) => r.status === "completed").length);
    expect(runs.find((r) => r.trigger === "manual")?.status).toBe("completed");
    const interrupted = runs.filter((r) => r.status === "failed");
    expect(interrupted.length).toBeLessThanOrEqual(1);
    for (const r of interrupted) expect(r.error).toMatch(/^interrupted: /);
  }, 180_000);
});
