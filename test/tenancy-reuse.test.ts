/**
 * Deleted-then-reused names (issue 13 §1): a namespace belongs to one team, and nothing of a deleted
 * deployment — backups, archives, volumes, events, history, logs — nor of a deleted template or
 * schedule passes to a later owner of the name, whether another team or the same one. Covers
 * deployments, agents, templates, schedules, environments and vaults, with real processes.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  startTestBerth,
  type TestBerth,
  teamWithKey,
  viaIngress,
  waitFor,
} from "./support/berth.js";

let t: TestBerth;
let a: ApiClient;
let b: ApiClient;

beforeAll(async () => {
  t = await startTestBerth();
  a = apiClient(t.url, (await teamWithKey(t.api)).key);
  b = apiClient(t.url, (await teamWithKey(t.api)).key);
});
afterAll(async () => {
  await t?.close();
});

const cloud = (id: string, action = "") => `/api/cloud-saas/deployments/${id}${action ? `/${action}` : ""}`;
const count = async (name: string) =>
  JSON.parse((await viaIngress(t.url, `${name}.localhost`)).text).count as number;
const increment = (name: string) => viaIngress(t.url, `${name}.localhost`, "/increment", { method: "POST" });

async function deployed(api: ApiClient, name: string): Promise<string> {
  const d = await api("POST", "/api/deployments", {
    body: { template: "counter-agent", name, visibility: "public" },
  });
  expect(d.status, d.text).toBe(201);
  await waitFor(
    async () => (await api("GET", cloud(d.body.id))).body.deployment?.status === "deployed",
    `${name} deployed`,
  );
  return d.body.id;
}

async function backedUp(api: ApiClient, id: string, driver: string) {
  // the previous backup's operation may still be releasing the namespace lock (409) for a moment
  const res = await waitFor(async () => {
    const r = await api("POST", cloud(id, "backups"), { body: { driver } });
    return r.status === 409 ? undefined : r;
  }, "namespace free for a backup");
  expect(res.status, res.text).toBe(202);
  return waitFor(async () => {
    const list = await api("GET", cloud(id, "backups"));
    const found = list.body.backups.find((x: { id: string }) => x.id === res.body.backup.id);
    return found?.status === "succeeded" ? found : undefined;
  }, "backup succeeded");
}

/** Deletes through seed 004's route and waits until the record and its namespace are gone. */
async function deleted(api: ApiClient, id: string, name: string) {
  const res = await api("POST", "/api/deployments/delete", { body: { deployment_name: name } });
  expect(res.status, res.text).toBe(200);
  await waitFor(async () => (await t.berth.store.deployments.get(id)) === undefined, `${name} purged`);
  await waitFor(async () => (await t.berth.store.deployments.getNamespace(name)) === undefined, "namespace");
}

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

describe.each([
  ["another team", () => b],
  ["the same team", () => a],
])("a deployment name reused by %s", (_who, next) => {
  const name = `reuse-${_who === "another team" ? "b" : "a"}`;
  let first: string;
  let archive: { id: string; objectKey: string };
  let snapshot: { id: string };
  let second: string;

  beforeAll(async () => {
    first = await deployed(a, name);
    for (let i = 0; i < 3; i++) await increment(name);
    expect(await count(name)).toBe(3);
    archive = await backedUp(a, first, "restic");
    snapshot = await backedUp(a, first, "volumeSnapshot");
    await deleted(a, first, name);
    second = await deployed(next(), name);
  });

  it("starts from an empty volume", async () => {
    expect(await count(name)).toBe(0);
  });

  it("sees none of the first deployment's backups and cannot restore them", async () => {
    const list = await next()("GET", cloud(second, "backups"));
    expect(list.status).toBe(200);
    expect(list.body.backups).toEqual([]);
    const newest = await next()("POST", cloud(second, "restore"), { body: {} });
    expect(newest.status).toBe(404);
    for (const backupId of [archive.id, snapshot.id]) {
      const named = await next()("POST", cloud(second, "restore"), { body: { backupId } });
      expect(named.status, named.text).toBe(404);
    }
    expect(await count(name)).toBe(0);
  });

  it("deletes the first deployment's backups with it (records and artifacts)", async () => {
    expect(await t.berth.store.backups.get(archive.id)).toBeUndefined();
    expect(await t.berth.store.backups.get(snapshot.id)).toBeUndefined();
    expect(await exists(path.join(t.dataDir, "objects", archive.objectKey))).toBe(false);
    const snapshots = path.join(t.dataDir, "snapshots");
    const left = (await exists(snapshots)) ? await fs.readdir(snapshots, { recursive: true }) : [];
    expect(left.filter((f) => String(f).includes(snapshot.id))).toEqual([]);
  });

  it("shows only its own events, history and logs", async () => {
    const events = await next()("GET", `/api/deployments/${name}/events`);
    expect(events.status).toBe(200);
    expect(JSON.stringify(events.body)).not.toContain(first);
    expect(JSON.stringify(events.body)).not.toContain(archive.id);
    const history = await next()("GET", `/api/deployments/${name}/history`);
    expect(history.body.id).toBe(second);
    expect(history.body.revisions).toHaveLength(1);
    const logs = await next()("GET", `/api/deployments/${name}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.text).not.toContain("count=3");
  });

  it("leaves the first deployment unreachable by id", async () => {
    for (const api of [a, b]) {
      expect((await api("GET", cloud(first))).status).toBe(404);
      expect((await api("GET", cloud(first, "backups"))).status).toBe(404);
    }
  });
});

describe("agents", () => {
  it("a team's agent and its deployments stay its own when another team uses the agent's name", async () => {
    const spec = { name: "bot", image: "berth/hello", port: 8080 };
    const agentA = (await a("POST", "/api/agents", { body: { name: "bot", spec } })).body.id as string;
    const depA = await a("POST", "/deployments", { body: { agent_id: agentA } });
    expect(depA.status, depA.text).toBe(201);
    expect((await a("DELETE", `/deployments/${depA.body.id}`)).status).toBe(200);
    const agentB = (await b("POST", "/api/agents", { body: { name: "bot", spec } })).body.id as string;
    expect(agentB).not.toBe(agentA);
    expect((await b("GET", `/api/agents/${agentA}`)).status).toBe(404);
    expect((await b("POST", "/deployments", { body: { agent_id: agentA } })).status).toBe(404);
    expect((await b("GET", `/deployments/${depA.body.id}`)).status).toBe(404);
    const listed = await b("GET", `/deployments?agent_id=${agentA}`);
    expect(JSON.stringify(listed.body)).not.toContain(depA.body.id);
    const agents = (await b("GET", "/api/agents")).body.agents as { id: string }[];
    expect(agents.map((x) => x.id)).toEqual([agentB]);
  });
});

describe("templates", () => {
  const config = (greeting: string) => ({
    workloads: [{ name: "web", image: "berth/hello", port: 8080, env: { GREETING: greeting } }],
  });

  it("a deleted template's slug taken by another team never reaches the first team's deployments", async () => {
    expect(
      (await a("POST", "/api/templates", { body: { slug: "reuse-tpl", config: config("a1") } })).status,
    ).toBe(201);
    const d = await a("POST", "/api/deployments", { body: { template: "reuse-tpl", name: "tpl-user" } });
    expect(d.status, d.text).toBe(201);
    await waitFor(async () => (await viaIngress(t.url, "tpl-user.localhost")).text === "hello: a1\n", "a1");
    const auto = await a("PUT", "/api/deployments/auto-update", {
      body: { deployment_name: "tpl-user", enabled: true, strategy: "recreate" },
    });
    expect(auto.status).toBe(200);
    expect((await a("DELETE", "/api/templates/reuse-tpl")).status).toBe(204);

    expect(
      (await b("POST", "/api/templates", { body: { slug: "reuse-tpl", config: config("b1") } })).status,
    ).toBe(201);
    const rev = await b("POST", "/api/templates/reuse-tpl/revisions", { body: { config: config("b2") } });
    expect(rev.status, rev.text).toBe(201);
    const mine = await b("GET", "/api/templates/reuse-tpl");
    expect(mine.body.revisions.map((r: { revision: number }) => r.revision)).toEqual([2, 1]);
    expect(mine.body.ownerTeamId).not.toBeNull();

    // team A's deployment keeps its config: no auto-update from team B's revision
    await t.berth.reconciler.settle();
    expect((await viaIngress(t.url, "tpl-user.localhost")).text).toBe("hello: a1\n");
    const history = await a("GET", "/api/deployments/tpl-user/history");
    expect(history.body.revisions).toHaveLength(1);
    const manifest = await a("GET", cloud(d.body.id, "manifest"));
    expect(manifest.body).toMatchObject({ ok: true, template: null, drift: "missing-template" });
    const redeploy = await a("POST", cloud(d.body.id, "redeploy"), { body: { mode: "template" } });
    expect(redeploy.status, redeploy.text).toBe(404);
    expect((await viaIngress(t.url, "tpl-user.localhost")).text).toBe("hello: a1\n");
  });
});

describe("schedules, environments and vaults", () => {
  const SECRET = "tenancy-s3cret-9d8c7b";

  async function scheduleAs(api: ApiClient, script: string) {
    const env = await api("POST", "/api/v1/cloud/environments", { body: { name: "prod" } });
    const vault = await api("POST", "/api/v1/cloud/vaults", {
      body: { name: "keys", secrets: { TOKEN: SECRET } },
    });
    const agent = await api("POST", "/api/agents", {
      body: { name: "job", spec: { name: "job", command: "node", args: ["-e", script] } },
    });
    const s = await api("POST", "/api/v1/cloud/deployments", {
      body: {
        agent: agent.body.id,
        environment_id: env.body.id,
        name: "nightly",
        schedule: { type: "cron", expression: "0 3 * * *" },
        vault_ids: [vault.body.id],
      },
    });
    expect(s.status, s.text).toBe(200);
    return { env: env.body.id as string, vault: vault.body.id as string, id: s.body.id as string };
  }

  it("a deleted schedule's runs pass neither to another team nor to the same team's new one", async () => {
    const first = await scheduleAs(a, "console.log('first-run-output')");
    expect((await a("POST", `/api/v1/cloud/deployments/${first.id}/run`, {})).status).toBe(202);
    await waitFor(async () => {
      const runs = await a("GET", `/api/v1/cloud/deployments/${first.id}/runs`);
      return runs.body.data[0]?.status === "completed";
    }, "first run");
    const sessions = path.join(t.dataDir, "sessions");
    const uuid = first.id.replace(/^dep_(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    expect(await fs.readdir(sessions)).toContain(uuid);
    expect((await a("DELETE", `/api/v1/cloud/deployments/${first.id}`)).status).toBe(200);
    expect(await fs.readdir(sessions)).not.toContain(uuid);

    for (const api of [b, a]) {
      const again = await scheduleAs(api, "0");
      expect(again.id).not.toBe(first.id);
      const runs = await api("GET", `/api/v1/cloud/deployments/${again.id}/runs`);
      expect(runs.body).toMatchObject({ data: [], has_more: false });
      expect((await api("GET", `/api/v1/cloud/deployments/${first.id}`)).status).toBe(404);
      expect((await api("GET", `/api/v1/cloud/deployments/${first.id}/runs`)).status).toBe(404);
      const all = await api("GET", "/api/v1/cloud/deployments");
      expect(all.body.data.map((x: { id: string }) => x.id)).not.toContain(first.id);
    }
  });

  it("environments and vaults of the same name stay with their team", async () => {
    const mine = await scheduleAs(a, "0");
    const theirs = await scheduleAs(b, "0");
    for (const [api, own, other] of [
      [a, mine, theirs],
      [b, theirs, mine],
    ] as const) {
      expect((await api("GET", `/api/v1/cloud/environments/${other.env}`)).status).toBe(404);
      expect((await api("GET", `/api/v1/cloud/vaults/${other.vault}`)).status).toBe(404);
      const envs = (await api("GET", "/api/v1/cloud/environments")).body.data as { id: string }[];
      expect(envs.map((e) => e.id)).toContain(own.env);
      expect(envs.map((e) => e.id)).not.toContain(other.env);
      const vaults = await api("GET", "/api/v1/cloud/vaults");
      expect(vaults.body.data.map((v: { id: string }) => v.id)).not.toContain(other.vault);
      expect(vaults.text).not.toContain(SECRET);
      // another team's vault or environment is answered exactly as one that does not exist
      const borrowed = await api("POST", `/api/v1/cloud/deployments/${own.id}`, {
        body: { vault_ids: [other.vault] },
      });
      expect(borrowed.status).toBe(400);
      expect(borrowed.body.error.message).toBe(`vault_ids: ${other.vault} does not exist`);
      const env = await api("POST", `/api/v1/cloud/deployments/${own.id}`, {
        body: { environment_id: other.env },
      });
      expect(env.status).toBe(400);
      expect(env.body.error.message).toBe(`environment_id ${other.env} does not exist`);
    }
  });
});
