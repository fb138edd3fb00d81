/**
 * The TypeScript SDK against a real berth on port 0: a method for every operation of /openapi.json,
 * types generated from that document, the typed error per surface envelope, log following over SSE,
 * and the wait-for-backup helper through a real backup and restore of a counter-agent.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkTypesFile, sdkTypesSource } from "../scripts/sdk-types.js";
import { BerthClient, BerthError, operations } from "../sdk/typescript/src/index.js";
import { startTestBerth, type TestBerth, viaIngress, waitFor } from "./support/berth.js";

let t: TestBerth;
let client: BerthClient;
let doc: { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  t = await startTestBerth();
  const admin = new BerthClient({ baseUrl: t.url, token: t.adminToken });
  const team = await admin.createTeam({ name: "sdk team", tier: "enterprise" });
  const { key } = await admin.createKey({
    name: "sdk",
    teamId: team.id,
    scopes: ["deployments:read", "deployments:write", "templates:read", "templates:write", "agents:write"],
  });
  client = new BerthClient({ baseUrl: t.url, token: key });
  doc = await (await fetch(`${t.url}/openapi.json`)).json();
});
afterAll(async () => {
  await t?.close();
});

describe("coverage", () => {
  it("has a method for every operation in /openapi.json, and no operation the server lacks", () => {
    const served = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const table = new Map(Object.entries(operations).map(([name, [m, p]]) => [`${m} ${p}`, name]));
    const missing = served.filter((op) => !table.has(op));
    expect(missing, "operations without an SDK method").toEqual([]);
    expect([...table.keys()].filter((op) => !served.includes(op))).toEqual([]);
    for (const name of table.values()) {
      expect(typeof (client as unknown as Record<string, unknown>)[name], name).toBe("function");
    }
  });

  it("is typed from the document the server serves (the committed types are current)", async () => {
    const committed = await fs.readFile(sdkTypesFile, "utf8");
    expect(committed === (await sdkTypesSource(doc)), "run `npm run sdk:types`").toBe(true);
  });

  it("builds as its own package with no server dependencies", async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), "berth-sdk-build-"));
    const dir = path.resolve(import.meta.dirname, "../sdk/typescript");
    execFileSync(process.execPath, [
      createRequire(import.meta.url).resolve("typescript/bin/tsc"),
      "-p",
      dir,
      "--outDir",
      out,
    ]);
    const built = await import(path.join(out, "index.js"));
    expect(typeof built.BerthClient).toBe("function");
    const pkg = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8"));
    expect(pkg.dependencies ?? {}).toEqual({});
  });
});

describe("against a real server", () => {
  let dep: { id: string; name: string };

  it("deploys a template, follows its logs and reads its status, metrics, history and events", async () => {
    dep = await client.createDeployment({ template: "counter-agent" });
    expect(dep).toMatchObject({ template: "counter-agent", status: expect.any(String) });
    await waitFor(async () => (await client.getDeploymentStatus(dep.name)).deploymentReady, "ready");

    const abort = new AbortController();
    const lines: string[] = [];
    const following = (async () => {
      for await (const line of client.followDeploymentLogs(dep.name, {}, { signal: abort.signal })) {
        lines.push(line);
        if (line.includes("count is now")) break;
      }
    })();
    await waitFor(async () => {
      await viaIngress(t.url, `${dep.name}.localhost`, "/increment", { method: "POST" });
      return lines.some((l) => l.includes("count is now"));
    }, "a followed log line");
    await following;

    expect((await client.getDeploymentLogs(dep.name, { tail: 50 })).logs).toContain("count is now");
    expect(await client.getDeploymentMetrics(dep.name)).toMatchObject({ name: dep.name });
    expect((await client.getDeploymentHistory(dep.name)).revisions.length).toBeGreaterThan(0);
    expect((await client.getDeploymentEvents(dep.name)).events.length).toBeGreaterThan(0);
    expect((await client.listDeployments()).map((d) => d.name)).toContain(dep.name);
  });

  it("reaches the same deployment through the agent deployments and cloud surfaces", async () => {
    expect(await client.getAgentDeployment(dep.id)).toMatchObject({ id: dep.id });
    const cloud = await client.getCloudDeployment(dep.id);
    expect(cloud.deployment.id).toBe(dep.id);
    const manifest = await client.getCloudDeploymentManifest(dep.id);
    expect(manifest).toBeTypeOf("object");
    const paused = await client.pauseCloudDeployment(dep.id);
    expect(paused.status).toBe("paused");
    const resumed = await client.resumeCloudDeployment(dep.id);
    expect(resumed.status).toBe("deployed");
  });

  it("waits for a backup and a restore to finish, reporting phases on the way", async () => {
    const host = `${dep.name}.localhost`;
    const count = async () => JSON.parse((await viaIngress(t.url, host)).text).count as number;
    await waitFor(async () => (await viaIngress(t.url, host)).status === 200, "serving");
    const saved = await count();
    const { backup } = await client.createCloudDeploymentBackup(dep.id, {
      driver: "restic",
      retentionDays: 7,
    });
    const phases: string[] = [];
    const done = await client.waitForBackup(dep.id, backup.id, {
      intervalMs: 20,
      onProgress: (b) => phases.push(b.phase),
    });
    expect(done).toMatchObject({ id: backup.id, status: "succeeded", phase: "completed" });
    expect(done.totalBytes).toBeGreaterThan(0);

    await viaIngress(t.url, host, "/increment", { method: "POST" });
    expect(await count()).toBe(saved + 1);
    const restore = await client.restoreCloudDeploymentBackup(dep.id, { backupId: backup.id });
    expect(restore).toMatchObject({ ok: true, status: "resuming", backup: { phase: "restoring-pausing" } });
    const restored = await client.waitForBackup(dep.id, backup.id, { intervalMs: 20 });
    expect(restored).toMatchObject({ phase: "completed", restoreStatus: "succeeded" });
    await waitFor(async () => (await count()) === saved, "restored count");
    const { backups } = await client.listCloudDeploymentBackups(dep.id, { agentId: backup.agentId });
    expect(backups.map((b) => b.id)).toContain(backup.id);
  });

  it("scales and restarts through the agent deployments surface", async () => {
    const scaled = await client.scaleAgentDeployment(dep.id, 2);
    expect(scaled).toMatchObject({ id: dep.id, replicas: 2 });
    await client.scaleAgentDeployment(dep.id, 1);
    const page = await client.listAgentDeploymentEvents(dep.id, { limit: 5 });
    expect(page).toBeTypeOf("object");
  });

  it("updates config, restarts and deletes through the template platform surface", async () => {
    await client.updateDeploymentConfig(dep.name, { GREETING: "hi" });
    expect((await client.getDeploymentConfig(dep.name)).configData).toMatchObject({ GREETING: "hi" });
    expect(await client.restartDeployment(dep.name)).toMatchObject({ success: true, name: dep.name });
    expect(await client.deleteDeployment(dep.name)).toMatchObject({ success: true, id: dep.id });
    await waitFor(async () => {
      try {
        await client.getDeploymentStatus(dep.name);
        return false;
      } catch (err) {
        return err instanceof BerthError && err.status === 404;
      }
    }, "deployment gone");
  });

  it("manages scheduled deployments, environments and vaults", async () => {
    const env = await client.createEnvironment({ name: "sdk-env" });
    const agent = await client.createAgent({
      name: "sdk agent",
      spec: { name: "counter", image: "berth/counter-agent", port: 8080 },
    });
    const schedule = await client.createScheduledDeployment({
      agent: { id: agent.id, type: "agent" },
      environment_id: env.id,
      name: "nightly",
      initial_events: [{ type: "user.message", content: "report" }],
      schedule: { type: "cron", expression: "0 3 * * *", timezone: "Europe/Berlin" },
    });
    expect(schedule).toMatchObject({ id: expect.stringMatching(/^dep_/), name: "nightly" });
    expect(
      (await client.getScheduledDeployment(schedule.id)).schedule.upcoming_runs_at.length,
    ).toBeGreaterThan(0);
    await client.pauseScheduledDeployment(schedule.id);
    expect((await client.unpauseScheduledDeployment(schedule.id)).status).toBe("active");
    const list = await client.listScheduledDeployments({ limit: 10 });
    expect(list.data.map((s: { id: string }) => s.id)).toContain(schedule.id);
    expect((await client.archiveScheduledDeployment(schedule.id)).archived_at).toEqual(expect.any(String));
  });
});

describe("errors", () => {
  it("throws BerthError with the status and each surface's envelope", async () => {
    const caught = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (err) {
        return err as BerthError;
      }
      throw new Error("expected an error");
    };
    const platform = await caught(client.getDeploymentStatus("no-such-deployment"));
    expect(platform).toBeInstanceOf(BerthError);
    expect(platform).toMatchObject({ status: 404, body: { error: expect.any(String) } });
    expect(platform.message).toContain("404");

    const agents = await caught(client.getAgentDeployment("00000000-0000-7000-8000-000000000000"));
    expect(agents).toMatchObject({ status: 404, body: { detail: expect.any(String) } });
    expect(agents.serverMessage).toBe(agents.body && (agents.body as { detail: string }).detail);

    const scheduled = await caught(client.getScheduledDeployment(`dep_${"0".repeat(32)}`));
    expect(scheduled).toMatchObject({ status: 404, type: "not_found_error" });

    const unauthorized = await caught(new BerthClient({ baseUrl: t.url, token: "wrong" }).getMe());
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.message).not.toContain("wrong");
  });
});
