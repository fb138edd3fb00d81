/**
 * The agent deployments API (seed 002) with real processes: replicas, scale 1 → 3 → 1 with traffic
 * reaching every ready replica, restart and scale refused from the wrong states, events paging,
 * kill, FastAPI-style errors, and one deployment seen consistently through both surfaces.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  isAlive,
  startWithTeam,
  type TestBerth,
  teamWithKey,
  viaIngress,
  waitFor,
} from "./support/berth.js";

let t: TestBerth;
let api: ApiClient;

const helloAgent = { name: "greeter", image: "berth/hello", port: 8080, env: { GREETING: "agent" } };

beforeAll(async () => {
  ({ t, api } = await startWithTeam({ BERTH_ALLOWED_COMMANDS: "node,/nonexistent/agent-binary" }));
});
afterAll(async () => {
  await t?.close();
});

async function createAgent(spec: object = helloAgent, as = api): Promise<string> {
  const res = await as<{ id: string }>("POST", "/api/agents", { body: { name: "agent", spec } });
  expect(res.status).toBe(201);
  expect(res.body.id).toMatch(/^agent_[0-9a-f]{32}$/);
  return res.body.id;
}

type Dep = {
  id: string;
  name: string;
  status: string;
  replicas: number;
  ready_replicas: number;
  ended_at: string | null;
  agent_id: string;
};

const waitStatus = (id: string, status: string, extra: (d: Dep) => boolean = () => true) =>
  waitFor(async () => {
    const r = await api<Dep>("GET", `/deployments/${id}`);
    return r.body.status === status && extra(r.body) ? r.body : undefined;
  }, `${id} ${status}`);

const pidsOf = (d: Dep) =>
  (t.berth.driver.status(`${d.id}/greeter`)?.replicas ?? [])
    .map((r) => r.pid)
    .filter((p): p is number => p !== null);

describe("a deployment of an agent", () => {
  let agentId: string;
  let dep: Dep;

  it("is created with 201 from an owned agent", async () => {
    agentId = await createAgent();
    const res = await api<Dep>("POST", "/deployments", {
      body: { agent_id: agentId, replicas: 1, environment: { EXTRA: "1" } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      agent_id: agentId,
      status: "deploying",
      replicas: 1,
      ended_at: null,
      environment_keys: ["EXTRA"],
    });
    expect(res.body).toHaveProperty("created_at");
    expect(res.body).toHaveProperty("updated_at");
    dep = await waitStatus(res.body.id, "ready", (d) => d.ready_replicas === 1);
    expect((await api<{ status: string }>("GET", `/api/agents/${agentId}`)).body.status).toBe("running");
  });

  it("scales 1 → 3 → 1 with one process per replica and traffic reaching every ready replica", async () => {
    const up = await api<Dep>("POST", `/deployments/${dep.id}/scale`, { body: { replicas: 3 } });
    expect(up.status).toBe(200);
    expect(up.body.replicas).toBe(3);
    await waitStatus(dep.id, "ready", (d) => d.ready_replicas === 3);
    const three = pidsOf(dep);
    expect(three).toHaveLength(3);
    expect(new Set(three).size).toBe(3);
    for (const pid of three) expect(isAlive(pid)).toBe(true);
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await viaIngress(t.url, `${dep.name}.localhost`);
      expect(r.text).toBe("hello: agent\n");
      seen.add(String(r.headers["x-berth-replica"]));
    }
    expect([...seen].sort()).toEqual(["0", "1", "2"]);

    const down = await api<Dep>("POST", `/deployments/${dep.id}/scale`, { body: { replicas: 1 } });
    expect(down.status).toBe(200);
    await waitFor(() => !isAlive(three[1]!) && !isAlive(three[2]!), "scaled-down processes gone");
    expect(pidsOf(dep)).toEqual([three[0]]);
    expect((await api<Dep>("GET", `/deployments/${dep.id}`)).body).toMatchObject({
      replicas: 1,
      ready_replicas: 1,
    });
  });

  it("reports logs and metrics", async () => {
    const logs = await api<{ deployment_id: string; logs: string }>(
      "GET",
      `/deployments/${dep.id}/logs?tail=5`,
    );
    expect(logs.status).toBe(200);
    expect(logs.body.logs).toContain("GET /");
    const m = await api("GET", `/deployments/${dep.id}/metrics`);
    expect(m.body).toMatchObject({
      deployment_id: dep.id,
      cpu_usage: expect.stringMatching(/^\d+m$/),
      memory_usage: expect.stringMatching(/^\d+(Ki|Mi|Gi)$/),
      replicas_ready: 1,
      replicas_desired: 1,
      restarts: 0,
      uptime_seconds: expect.any(Number),
    });
    expect(m.body.memory_bytes).toBeGreaterThan(1024 * 1024);
  });

  it("refuses restart unless stopped or failed", async () => {
    const res = await api("POST", `/deployments/${dep.id}/restart`);
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/stopped or failed/);
  });

  it("pages lifecycle events newest first, with filters and edges", async () => {
    const all = await api("GET", `/deployments/${dep.id}/events?limit=1000`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      deployment_id: dep.id,
      deployment_status: "ready",
      skip: 0,
      limit: 1000,
    });
    const events = all.body.events as { event_type: string; created_at: string; to_status: string }[];
    expect(all.body.total).toBe(events.length);
    expect(events.map((e) => e.event_type)).toEqual(
      expect.arrayContaining(["created", "status_changed", "scaled"]),
    );
    expect([...events].map((e) => e.created_at)).toEqual(
      [...events]
        .map((e) => e.created_at)
        .sort()
        .reverse(),
    );
    const page = await api("GET", `/deployments/${dep.id}/events?skip=1&limit=2`);
    expect(page.body.events).toEqual(events.slice(1, 3));
    const past = await api("GET", `/deployments/${dep.id}/events?skip=${events.length + 5}`);
    expect(past.body).toMatchObject({ events: [], total: events.length });
    const scaled = await api("GET", `/deployments/${dep.id}/events?event_type=scaled`);
    expect(scaled.body.total).toBe(2);
    const toReady = await api("GET", `/deployments/${dep.id}/events?event_type=status_changed&status=ready`);
    expect(
      toReady.body.events.every(
        (e: { to_status: string; event_type: string }) =>
          e.to_status === "ready" && e.event_type === "status_changed",
      ),
    ).toBe(true);
    expect(toReady.body.total).toBeGreaterThanOrEqual(1);
    for (const bad of ["limit=0", "limit=1001", "skip=-1", "status=sleeping"]) {
      const r = await api("GET", `/deployments/${dep.id}/events?${bad}`);
      expect(r.status, bad).toBe(422);
      expect(r.body.detail[0]).toMatchObject({
        loc: expect.arrayContaining(["query"]),
        msg: expect.any(String),
        type: expect.any(String),
      });
    }
  });

  it("is visible with a consistent status through the template platform API", async () => {
    const status = await api("GET", `/api/deployments/status?name=${dep.name}`);
    expect(status.body).toMatchObject({ id: dep.id, status: "Ready", deploymentReady: true });
  });

  it("is killed by DELETE: processes gone, ended_at set, agent stopped", async () => {
    const pids = pidsOf(dep);
    const res = await api<Dep>("DELETE", `/deployments/${dep.id}`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("killed");
    expect(res.body.ended_at).not.toBeNull();
    await waitFor(() => pids.every((p) => !isAlive(p)), "processes gone");
    const after = await api<Dep>("GET", `/deployments/${dep.id}`);
    expect(after.body).toMatchObject({ status: "killed", ended_at: res.body.ended_at });
    expect((await api<{ status: string }>("GET", `/api/agents/${agentId}`)).body.status).toBe("stopped");
    const scale = await api("POST", `/deployments/${dep.id}/scale`, { body: { replicas: 2 } });
    expect(scale.status).toBe(400);
    expect(scale.body).toEqual({ detail: "Can only scale running deployments" });
  });
});

describe("states, filters and errors", () => {
  it("deploys through POST /agents/{agent_id}/deploy too", async () => {
    const agentId = await createAgent();
    const res = await api<Dep>("POST", `/agents/${agentId}/deploy`, { body: {} });
    expect(res.status).toBe(201);
    expect(res.body.agent_id).toBe(agentId);
    const bare = await api<Dep>("POST", `/agents/${agentId}/deploy`);
    expect(bare.status).toBe(201);
  });

  it("refuses scale from failed, then revives a failed deployment with restart", async () => {
    const agentId = await createAgent({ name: "broken", command: "/nonexistent/agent-binary", port: 8080 });
    const res = await api<Dep>("POST", "/deployments", { body: { agent_id: agentId } });
    await waitStatus(res.body.id, "failed");
    const scale = await api("POST", `/deployments/${res.body.id}/scale`, { body: { replicas: 2 } });
    expect(scale.status).toBe(400);
    expect(scale.body).toEqual({ detail: "Can only scale running deployments" });
    const restart = await api<Dep>("POST", `/deployments/${res.body.id}/restart`);
    expect(restart.status).toBe(200);
    expect(restart.body.status).toBe("deploying");
    await waitStatus(res.body.id, "failed");
  });

  it("filters lists by agent and status, with skip and limit", async () => {
    const agentId = await createAgent();
    const a = await api<Dep>("POST", "/deployments", { body: { agent_id: agentId } });
    const b = await api<Dep>("POST", "/deployments", { body: { agent_id: agentId } });
    await waitStatus(a.body.id, "ready");
    await waitStatus(b.body.id, "ready");
    const byAgent = await api<Dep[]>("GET", `/deployments?agent_id=${agentId}`);
    expect(byAgent.body.map((d) => d.id)).toEqual([b.body.id, a.body.id]);
    const ready = await api<Dep[]>("GET", `/deployments?agent_id=${agentId}&status=ready&skip=1&limit=1`);
    expect(ready.body.map((d) => d.id)).toEqual([a.body.id]);
    expect((await api<Dep[]>("GET", `/deployments?agent_id=${agentId}&status=killed`)).body).toEqual([]);
    expect((await api<Dep[]>("GET", `/deployments?agent_id=${agentId}&skip=10`)).body).toEqual([]);
    expect((await api("GET", "/deployments?limit=0")).status).toBe(422);
  });

  it("shows deployments made through the template platform API", async () => {
    const made = await api<{ id: string; name: string }>("POST", "/api/deployments", {
      body: { template: "hello" },
    });
    await waitFor(
      async () => (await api("GET", `/api/deployments/status?name=${made.body.name}`)).body.deploymentReady,
      "ready",
    );
    const here = await api<Dep>("GET", `/deployments/${made.body.id}`);
    expect(here.body).toMatchObject({
      id: made.body.id,
      name: made.body.name,
      status: "ready",
      agent_id: null,
    });
  });

  it("answers FastAPI-style errors", async () => {
    const wrongType = await api("POST", "/deployments", { body: { agent_id: 5 } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.detail[0]).toMatchObject({ loc: ["body", "agent_id"], type: expect.any(String) });
    const missing = await api("POST", "/deployments", { body: {} });
    expect(missing.status).toBe(422);
    expect((await api("GET", "/deployments/00000000-0000-0000-0000-000000000000")).body).toEqual({
      detail: "deployment not found",
    });
    expect((await api("GET", "/deployments/x/nope")).body).toEqual({ detail: "Not Found" });
    const unknownAgent = await api("POST", "/deployments", { body: { agent_id: "agent_doesnotexist" } });
    expect(unknownAgent.status).toBe(404);
  });

  it("refuses another team's agent with 404 and replicas over the tier bound with 403", async () => {
    const other = await teamWithKey(t.api, undefined, "free");
    const otherApi = apiClient(t.url, other.key);
    const foreign = await createAgent(helloAgent, otherApi);
    expect((await api("POST", "/deployments", { body: { agent_id: foreign } })).status).toBe(404);
    expect((await api("POST", `/agents/${foreign}/deploy`)).status).toBe(404);
    const tooMany = await otherApi("POST", "/deployments", { body: { agent_id: foreign, replicas: 3 } });
    expect(tooMany.status).toBe(403);
    expect(tooMany.body.detail).toMatch(/free tier allows at most 2 replicas/);
  });
});
