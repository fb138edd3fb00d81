/**
 * The scheduled deployments API (seed 003) with an injected clock and real session processes:
 * the binding object shape, upcoming runs, pause/unpause, firing, max_concurrent, retries,
 * timeouts, auto-pause, archive, missed fire times, session strategies, vaults, idempotency, errors.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  FakeClock,
  startWithTeam,
  type TestBerth,
  waitFor,
} from "./support/berth.js";

const SECRET = "vault-s3cret-7f1e2d3c";
const logs: string[] = [];
const clock = new FakeClock(Date.parse("2026-06-14T08:58:17Z"));
let t: TestBerth;
let api: ApiClient;
let envId: string;
const seen: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _e, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const started = await startWithTeam(
    {},
    { clock, scheduler: false, logger: pino({ level: "debug" }, sink) },
  );
  t = started.t;
  const raw = started.api;
  api = async (method, path, opts) => {
    const res = await raw(method, path, opts);
    seen.push(res.text);
    return res;
  };
  envId = (await api("POST", "/api/v1/cloud/environments", { body: { name: "production" } })).body.id;
});

afterAll(async () => {
  await t?.berth.scheduler.stop();
  await t?.close();
  for (const text of [...seen, ...logs]) expect(text).not.toContain(SECRET);
});

const base = "/api/v1/cloud/deployments";

async function agent(spec: object = { name: "counter", image: "berth/counter-agent", port: 8080 }) {
  return (await api("POST", "/api/agents", { body: { name: "agent", spec } })).body.id as string;
}

async function schedule(body: Record<string, unknown> = {}, agentId?: string) {
  const res = await api("POST", base, {
    body: {
      agent: { id: agentId ?? (await agent()), type: "agent" },
      environment_id: envId,
      name: "report",
      description: "Deployment created for API documentation verification",
      initial_events: [{ content: "Generate today's status report", type: "user.message" }],
      schedule: { type: "cron", expression: "30 9 * * 1-5", timezone: "Asia/Shanghai" },
      ...body,
    },
  });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

const nodeAgent = (script: string, env: Record<string, string> = {}) =>
  agent({ name: "script", command: "node", args: ["-e", script], env });

async function runs(id: string) {
  return (await api("GET", `${base}/${id}/runs?limit=100`)).body.data as {
    status: string;
    attempt: number;
    exit_code: number | null;
    output: string | null;
    error: string | null;
    session_id: string | null;
    trigger: string;
    scheduled_for: string;
  }[];
}

async function settled(id: string, n = 1) {
  return waitFor(async () => {
    const list = await runs(id);
    return list.length >= n && list.every((r) => r.status !== "pending" && r.status !== "running")
      ? list
      : undefined;
  }, "runs settled");
}

describe("the scheduled deployment object", () => {
  it("has exactly the seed's shape, with dep_ ids and the next five fire times", async () => {
    const d = await schedule();
    expect(d.id).toMatch(/^dep_[0-9a-f]{32}$/);
    expect(Object.keys(d).sort()).toEqual(
      [
        "agent",
        "archived_at",
        "created_at",
        "description",
        "environment_id",
        "id",
        "initial_events",
        "metadata",
        "name",
        "paused_reason",
        "resources",
        "schedule",
        "status",
        "type",
        "updated_at",
        "vault_ids",
      ].sort(),
    );
    expect(d).toMatchObject({
      agent: { id: expect.stringMatching(/^agent_[0-9a-f]{32}$/), type: "agent", version: 1 },
      archived_at: null,
      created_at: "2026-06-14T08:58:17Z",
      environment_id: envId,
      initial_events: [{ content: "Generate today's status report", type: "user.message" }],
      metadata: {
        cas_config: {
          config: { max_concurrent: 1, max_retries: 0, timeout_ms: 300000 },
          session_strategy: "new_session",
          stats: {
            consecutive_failures: 0,
            last_triggered_at: null,
            next_trigger_at: "2026-06-15T01:30:00Z",
            total_failures: 0,
            total_runs: 0,
          },
        },
      },
      paused_reason: null,
      resources: [],
      schedule: {
        expression: "30 9 * * 1-5",
        last_run_at: null,
        timezone: "Asia/Shanghai",
        type: "cron",
        upcoming_runs_at: [
          "2026-06-15T01:30:00Z",
          "2026-06-16T01:30:00Z",
          "2026-06-17T01:30:00Z",
          "2026-06-18T01:30:00Z",
          "2026-06-19T01:30:00Z",
        ],
      },
      status: "active",
      type: "deployment",
      vault_ids: [],
    });
    expect(Object.keys(d.metadata.cas_config.stats).sort()).toEqual([
      "consecutive_failures",
      "last_triggered_at",
      "next_trigger_at",
      "total_failures",
      "total_runs",
    ]);
  });

  it.each([
    ["Europe/Berlin", "2026-06-15T07:30:00Z"],
    ["America/New_York", "2026-06-15T13:30:00Z"],
    ["UTC", "2026-06-15T09:30:00Z"],
  ])("evaluates the cron in %s", async (timezone, first) => {
    const d = await schedule({ schedule: { type: "cron", expression: "30 9 * * 1-5", timezone } });
    expect(d.schedule.upcoming_runs_at[0]).toBe(first);
  });

  it("lists with limit and cursor", async () => {
    const page = await api("GET", `${base}?limit=2`);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.has_more).toBe(true);
    const next = await api("GET", `${base}?limit=2&after_id=${page.body.last_id}`);
    expect(next.body.data[0].id).not.toBe(page.body.data[1].id);
  });
});

describe("pause, unpause, update, archive, delete", () => {
  it("pauses with a reason and unpauses with the next trigger computed from now", async () => {
    const d = await schedule({ schedule: { type: "cron", expression: "0 12 * * *", timezone: "UTC" } });
    const paused = await api("POST", `${base}/${d.id}/pause`, { body: { reason: "maintenance window" } });
    expect(paused.body).toMatchObject({
      status: "paused",
      paused_reason: "maintenance window",
      schedule: { upcoming_runs_at: [] },
    });
    clock.advance(3 * 24 * 3600 * 1000);
    const now = clock.now();
    const un = await api("POST", `${base}/${d.id}/unpause`);
    expect(un.status).toBe(200);
    expect(un.body).toMatchObject({ status: "active", paused_reason: null });
    const next = un.body.metadata.cas_config.stats.next_trigger_at;
    expect(Date.parse(next)).toBeGreaterThan(now.getTime());
    expect(Date.parse(next) - now.getTime()).toBeLessThanOrEqual(24 * 3600 * 1000);
    const again = await api("POST", `${base}/${d.id}/unpause`);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      type: "error",
      error: { type: "conflict_error", message: "Deployment is not paused" },
    });
  });

  it("updates the schedule and recomputes upcoming runs", async () => {
    const d = await schedule();
    const up = await api("POST", `${base}/${d.id}`, {
      body: { name: "renamed", schedule: { expression: "0 0 * * *", timezone: "UTC" } },
    });
    expect(up.body).toMatchObject({
      name: "renamed",
      schedule: { expression: "0 0 * * *", timezone: "UTC" },
    });
    expect(up.body.schedule.upcoming_runs_at[0]).toMatch(/T00:00:00Z$/);
  });

  it("never fires an archived deployment, and deletes", async () => {
    const d = await schedule({ schedule: { type: "cron", expression: "* * * * *", timezone: "UTC" } });
    const archived = await api("POST", `${base}/${d.id}/archive`);
    expect(archived.body.archived_at).not.toBeNull();
    clock.advance(5 * 60 * 1000);
    await t.berth.scheduler.tick();
    expect(await runs(d.id)).toEqual([]);
    expect((await api("POST", `${base}/${d.id}/run`)).status).toBe(400);
    expect((await api("DELETE", `${base}/${d.id}`)).body).toEqual({ id: d.id, type: "deployment_deleted" });
    expect((await api("GET", `${base}/${d.id}`)).status).toBe(404);
  });
});

describe("runs", () => {
  it("fires at the cron time with the counter-agent and keeps exact stats", async () => {
    const d = await schedule({ schedule: { type: "cron", expression: "*/5 * * * *", timezone: "UTC" } });
    const fireAt = d.metadata.cas_config.stats.next_trigger_at;
    clock.set(fireAt);
    clock.advance(200);
    await t.berth.scheduler.tick();
    await t.berth.scheduler.tick();
    const [run] = await settled(d.id);
    expect(run).toMatchObject({
      status: "completed",
      attempt: 1,
      exit_code: 0,
      trigger: "cron",
      scheduled_for: new Date(fireAt).toISOString(),
    });
    expect(JSON.parse(run!.output!.trim())).toMatchObject({ events: 1, count: 1 });
    const after = (await api("GET", `${base}/${d.id}`)).body;
    expect(after.metadata.cas_config.stats).toMatchObject({
      total_runs: 1,
      total_failures: 0,
      consecutive_failures: 0,
    });
    expect(after.schedule.last_run_at).not.toBeNull();
    expect(Date.parse(after.metadata.cas_config.stats.next_trigger_at)).toBe(
      Date.parse(fireAt) + 5 * 60 * 1000,
    );
  });

  it("records missed fire times as skipped instead of replaying them", async () => {
    const d = await schedule({ schedule: { type: "cron", expression: "* * * * *", timezone: "UTC" } });
    clock.set(d.metadata.cas_config.stats.next_trigger_at);
    clock.advance(10 * 60 * 1000 + 500);
    await t.berth.scheduler.tick();
    const list = await settled(d.id, 11);
    expect(list.filter((r) => r.status === "skipped")).toHaveLength(10);
    expect(list.filter((r) => r.status === "completed")).toHaveLength(1);
    expect(list.find((r) => r.status === "skipped")?.error).toMatch(/missed/);
  });

  it("skips a trigger over max_concurrent", async () => {
    const sleeper = await nodeAgent("setTimeout(() => {}, 1500)");
    const d = await schedule({}, sleeper);
    expect((await api("POST", `${base}/${d.id}/run`)).status).toBe(202);
    const second = await api("POST", `${base}/${d.id}/run`);
    expect(second.body).toMatchObject({
      status: "skipped",
      error: expect.stringMatching(/max_concurrent \(1\)/),
    });
    const list = await settled(d.id, 2);
    expect(list.map((r) => r.status).sort()).toEqual(["completed", "skipped"]);
  });

  it("retries a failing session, then counts one failed run", async () => {
    const failing = await agent({
      name: "counter",
      image: "berth/counter-agent",
      port: 8080,
      env: { BERTH_SESSION_EXIT_CODE: "3" },
    });
    const d = await schedule({ metadata: { cas_config: { config: { max_retries: 2 } } } }, failing);
    await api("POST", `${base}/${d.id}/run`);
    const [run] = await settled(d.id);
    expect(run).toMatchObject({ status: "failed", attempt: 3, exit_code: 3, error: "exited with code 3" });
    const stats = (await api("GET", `${base}/${d.id}`)).body.metadata.cas_config.stats;
    expect(stats).toMatchObject({ total_runs: 1, total_failures: 1, consecutive_failures: 1 });
  });

  it("kills a session that outlives timeout_ms", async () => {
    const sleeper = await nodeAgent("setTimeout(() => {}, 30000)");
    const d = await schedule({ metadata: { cas_config: { config: { timeout_ms: 300 } } } }, sleeper);
    await api("POST", `${base}/${d.id}/run`);
    const [run] = await settled(d.id);
    expect(run).toMatchObject({ status: "failed", error: "killed after timeout_ms (300 ms)" });
  });

  it("pauses itself after repeated failures, saying why", async () => {
    const failing = await nodeAgent("process.exit(1)");
    const d = await schedule({ metadata: { cas_config: { config: { pause_after_failures: 2 } } } }, failing);
    await api("POST", `${base}/${d.id}/run`);
    await settled(d.id, 1);
    await api("POST", `${base}/${d.id}/run`);
    await settled(d.id, 2);
    const after = (await api("GET", `${base}/${d.id}`)).body;
    expect(after).toMatchObject({
      status: "paused",
      paused_reason: expect.stringMatching(/^paused after 2 consecutive failed runs/),
    });
    expect(after.metadata.cas_config.stats).toMatchObject({
      consecutive_failures: 2,
      total_failures: 2,
      total_runs: 2,
    });
  });

  it("keeps one session and its state with reuse_session, a fresh one with new_session", async () => {
    const reuse = await schedule({ metadata: { cas_config: { session_strategy: "reuse_session" } } });
    await api("POST", `${base}/${reuse.id}/run`);
    await settled(reuse.id, 1);
    await api("POST", `${base}/${reuse.id}/run`);
    const r = await settled(reuse.id, 2);
    expect(r[0]!.session_id).toBe(r[1]!.session_id);
    expect(r.map((x) => JSON.parse(x.output!).count).sort()).toEqual([1, 2]);
    const fresh = await schedule();
    await api("POST", `${base}/${fresh.id}/run`);
    await settled(fresh.id, 1);
    await api("POST", `${base}/${fresh.id}/run`);
    const f = await settled(fresh.id, 2);
    expect(f[0]!.session_id).not.toBe(f[1]!.session_id);
    expect(f.map((x) => JSON.parse(x.output!).count)).toEqual([1, 1]);
  });

  it("injects vault secrets into sessions without ever showing them", async () => {
    const vault = await api("POST", "/api/v1/cloud/vaults", {
      body: { name: "keys", secrets: { API_TOKEN: SECRET } },
    });
    expect(vault.body).toMatchObject({ id: expect.stringMatching(/^vault_/), secret_names: ["API_TOKEN"] });
    const printer = await nodeAgent(
      "console.log('token=' + process.env.API_TOKEN + ' len=' + process.env.API_TOKEN.length)",
    );
    const d = await schedule({ vault_ids: [vault.body.id] }, printer);
    await api("POST", `${base}/${d.id}/run`);
    const [run] = await settled(d.id);
    expect(run!.output).toContain(`token=******** len=${SECRET.length}`);
    expect((await api("GET", `/api/v1/cloud/vaults/${vault.body.id}`)).text).not.toContain(SECRET);
    const bad = await api("POST", base, {
      body: {
        agent: printer,
        environment_id: envId,
        name: "x",
        schedule: { type: "cron", expression: "* * * * *" },
        vault_ids: ["vault_nope"],
      },
    });
    expect(bad.status).toBe(400);
  });
});

describe("idempotency and errors", () => {
  it("replays the same request with the same Idempotency-Key and refuses a different one", async () => {
    const agentId = await agent();
    const body = {
      agent: agentId,
      environment_id: envId,
      name: "idem",
      schedule: { type: "cron", expression: "0 0 * * *" },
    };
    const headers = { "idempotency-key": "create-idem-1" };
    const first = await api("POST", base, { body, headers });
    const second = await api("POST", base, { body, headers });
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const other = await api("POST", base, { body: { ...body, name: "different" }, headers });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({
      type: "conflict_error",
      message: expect.stringMatching(/Idempotency-Key/),
    });
  });

  it.each([
    ["an invalid cron", { schedule: { type: "cron", expression: "not a cron" } }, /5 fields/],
    [
      "an unknown timezone",
      { schedule: { type: "cron", expression: "* * * * *", timezone: "Mars/Base" } },
      /timezone/,
    ],
    ["an unknown environment", { environment_id: "env_nope" }, /environment_id/],
  ])("answers 400 invalid_request_error for %s", async (_what, patch, message) => {
    const res = await api("POST", base, {
      body: {
        agent: await agent(),
        environment_id: envId,
        name: "x",
        schedule: { type: "cron", expression: "* * * * *" },
        ...patch,
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: expect.stringMatching(message) },
    });
  });

  it("answers not_found_error and authentication_error in the typed envelope", async () => {
    const missing = await api("GET", `${base}/dep_${"0".repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const anon = await apiClient(t.url, "")("GET", base, { token: null });
    expect(anon.status).toBe(401);
    expect(anon.body).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });
});
