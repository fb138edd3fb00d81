/**
 * The cloud runtime API (seeds 000/001) with real processes: manifest and every drift state,
 * template sync in place or forked, redeploy modes and policy, pause/resume with state kept on the
 * volume, historical deployments, and the wake triggers (proxy, mention, heartbeat, idle pause).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  startWithTeam,
  type TestBerth,
  teamWithKey,
  viaIngress,
  waitFor,
} from "./support/berth.js";

/** A runtime the 502 test removes while its sandbox is paused; allowed by exact path. */
const fragileRuntime = path.join(os.tmpdir(), `berth-502-${process.pid}`, "runtime");
let t: TestBerth;
let api: ApiClient;
let teamId: string;

beforeAll(async () => {
  ({ t, api, teamId } = await startWithTeam(
    { BERTH_ALLOWED_COMMANDS: `node,/nonexistent/x,${fragileRuntime}` },
    { wakeTimeoutMs: 10_000, idleCheckMs: 100 },
  ));
});
afterAll(async () => {
  await t?.close();
});

const cloud = (id: string, action = "") => `/api/cloud-saas/deployments/${id}${action ? `/${action}` : ""}`;
type Created = { id: string; name: string };

async function deployTemplate(template: string, as = api): Promise<Created> {
  const d = await as<Created>("POST", "/api/deployments", { body: { template } });
  expect(d.status).toBe(201);
  await waitReady(d.body.id, as);
  return d.body;
}

async function waitReady(id: string, as = api) {
  return waitFor(async () => {
    const r = await as("GET", cloud(id));
    return r.body.deployment?.status === "deployed" ? r.body.deployment : undefined;
  }, `${id} deployed`);
}

const count = async (host: string) => JSON.parse((await viaIngress(t.url, host)).text).count as number;
const increment = (host: string) => viaIngress(t.url, host, "/increment", { method: "POST" });
const processesOf = (id: string) =>
  t.berth.driver
    .keys()
    .filter((k) => k.startsWith(`${id}/`))
    .flatMap((k) => t.berth.driver.status(k)?.replicas ?? [])
    .filter((r) => r.pid !== null);

describe("pause, resume and redeploy keep an agent's state", () => {
  let dep: Created;
  let host: string;

  it("pauses the sandbox and keeps its volume", async () => {
    dep = await deployTemplate("counter-agent");
    host = `${dep.name}.localhost`;
    for (let i = 0; i < 3; i++) await increment(host);
    expect(await count(host)).toBe(3);
    const paused = await api("POST", cloud(dep.id, "pause"), { body: { agentId: "counter" } });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({
      ok: true,
      status: "paused",
      deployment: { id: dep.id, status: "paused" },
    });
    expect(processesOf(dep.id)).toEqual([]);
    const again = await api("POST", cloud(dep.id, "pause"));
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("paused");
  });

  it("resumes on the same volume", async () => {
    const resumed = await api("POST", cloud(dep.id, "resume"), { body: { agentId: "counter" } });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ ok: true, status: "deployed", deployment: { status: "deployed" } });
    expect(await count(host)).toBe(3);
  });

  it("redeploys into the same namespace: new current deployment, old one historical, state kept", async () => {
    const res = await api("POST", cloud(dep.id, "redeploy"));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, status: "deployed", previousDeploymentId: dep.id });
    const next = res.body.deployment;
    expect(next.id).not.toBe(dep.id);
    expect(next).toMatchObject({ namespace: dep.name, isCurrent: true, manifestRevision: 2 });
    expect(await count(host)).toBe(3);
    await increment(host);
    expect(await count(host)).toBe(4);
    const old = await api("GET", cloud(dep.id));
    expect(old.body.deployment).toMatchObject({
      isCurrent: false,
      status: "destroyed",
      statusReason: "superseded-by-newer-deployment",
    });
    expect(processesOf(dep.id)).toEqual([]);
    expect(processesOf(next.id)).toHaveLength(1);
    const pauseOld = await api("POST", cloud(dep.id, "pause"));
    expect(pauseOld.status).toBe(409);
    expect(pauseOld.body).toMatchObject({ ok: false, error: expect.stringContaining("historical") });
    expect((await api("POST", cloud(dep.id, "resume"))).status).toBe(409);
    expect((await api("POST", cloud(dep.id, "redeploy"))).status).toBe(409);
    const history = await api("GET", `/deployments/${next.id}/events`);
    expect(history.status).toBe(200);
    dep = next;
  });

  it("answers 404 for unknown deployments and agents, 422 for unsupported statuses", async () => {
    expect((await api("POST", cloud("00000000-0000-0000-0000-000000000000", "pause"))).status).toBe(404);
    expect((await api("POST", cloud(dep.id, "pause"), { body: { agentId: "nobody" } })).status).toBe(404);
    const broken = await api<Created>("POST", "/api/deployments/deploy-image", {
      body: { image: "berth/hello" },
    });
    await api("POST", "/api/deployments/delete", { body: { deployment_name: broken.body.name } });
    const deleting = await api("POST", cloud(broken.body.id, "pause"));
    expect([404, 422]).toContain(deleting.status);
  });
});

describe("resume failure", () => {
  it("answers 502 when the runtime cannot start the sandbox again, leaving it paused with the reason", async () => {
    const dir = path.dirname(fragileRuntime);
    const runtime = fragileRuntime;
    await fs.mkdir(dir, { recursive: true });
    await fs.symlink(process.execPath, runtime);
    const agent = await api("POST", "/api/agents", {
      body: {
        name: "fragile",
        spec: {
          name: "fragile",
          command: runtime,
          args: ["-e", "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)"],
          port: 8080,
        },
      },
    });
    const dep = await api("POST", "/deployments", { body: { agent_id: agent.body.id } });
    await waitReady(dep.body.id);
    expect((await api("POST", cloud(dep.body.id, "pause"))).status).toBe(200);
    await fs.rm(runtime);
    const res = await api("POST", cloud(dep.body.id, "resume"));
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ ok: false, error: expect.stringMatching(/resume failed/) });
    const after = (await api("GET", cloud(dep.body.id))).body.deployment;
    expect(after).toMatchObject({ status: "paused", statusReason: expect.stringMatching(/resume failed/) });
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe("manifest and drift", () => {
  const config = (greeting: string) => ({
    workloads: [{ name: "web", image: "berth/hello", port: 8080, env: { GREETING: greeting } }],
  });

  it("reports up-to-date, template-updated, unknown, missing-template and unlinked", async () => {
    await api("POST", "/api/templates", { body: { slug: "drifty", config: config("one") } });
    const d = await deployTemplate("drifty");
    const m1 = await api("GET", cloud(d.id, "manifest"));
    expect(m1.body).toMatchObject({
      ok: true,
      deploymentId: d.id,
      template: { slug: "drifty", kind: "community", status: "draft", revision: 1 },
      manifestRevision: 1,
      configHash: expect.stringMatching(/^sha256:/),
      drift: "up-to-date",
    });
    await api("POST", "/api/templates/drifty/revisions", { body: { config: config("two") } });
    expect((await api("GET", cloud(d.id, "manifest"))).body.drift).toBe("template-updated");

    const custom = await api("POST", cloud(d.id, "redeploy"), { body: { configSnapshot: config("custom") } });
    expect(custom.status).toBe(200);
    const customId = custom.body.deployment.id;
    expect((await api("GET", cloud(customId, "manifest"))).body.drift).toBe("unknown");

    const fromTemplate = await api("POST", cloud(customId, "redeploy"), { body: { mode: "template" } });
    expect(fromTemplate.status).toBe(200);
    const latestId = fromTemplate.body.deployment.id;
    expect((await api("GET", cloud(latestId, "manifest"))).body).toMatchObject({
      drift: "up-to-date",
      template: { revision: 2 },
    });
    expect((await viaIngress(t.url, `${d.name}.localhost`)).text).toBe("hello: two\n");

    expect((await api("DELETE", "/api/templates/drifty")).status).toBe(204);
    expect((await api("GET", cloud(latestId, "manifest"))).body).toMatchObject({
      drift: "missing-template",
      template: null,
    });

    const image = await api<Created>("POST", "/api/deployments/deploy-image", {
      body: { image: "berth/hello" },
    });
    expect((await api("GET", cloud(image.body.id, "manifest"))).body).toMatchObject({
      drift: "unlinked",
      template: null,
    });
  });
});

describe("template sync", () => {
  const config = { workloads: [{ name: "web", image: "berth/hello", port: 8080 }] };

  async function linkedTo(slug: string) {
    return deployTemplate(slug);
  }

  it("updates an owned community draft or rejected template in place", async () => {
    await api("POST", "/api/templates", { body: { slug: "mine-draft", config } });
    const d = await linkedTo("mine-draft");
    const res = await api("POST", cloud(d.id, "template"));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: true,
      mode: "updated",
      revision: 2,
      template: { slug: "mine-draft", latestRevision: 2 },
    });
    await api("PUT", "/api/templates/mine-draft/status", { body: { status: "pending" } });
    await t.api("PUT", "/api/templates/mine-draft/status", { body: { status: "rejected" } });
    const again = await api("POST", cloud(d.id, "template"));
    expect(again.body).toMatchObject({ mode: "updated", revision: 3 });
    expect((await api("GET", cloud(d.id, "manifest"))).body).toMatchObject({
      drift: "up-to-date",
      template: { slug: "mine-draft", revision: 3 },
    });
  });

  it.each(["pending", "approved"])("forks an owned %s template into a new owned draft", async (status) => {
    const slug = `mine-${status}`;
    await api("POST", "/api/templates", { body: { slug, config } });
    const d = await linkedTo(slug);
    if (status === "approved") await t.api("PUT", `/api/templates/${slug}/status`, { body: { status } });
    else await api("PUT", `/api/templates/${slug}/status`, { body: { status } });
    const res = await api("POST", cloud(d.id, "template"));
    expect(res.body).toMatchObject({
      mode: "forked",
      revision: 1,
      template: { kind: "community", status: "draft", forkedFrom: slug },
    });
    expect(res.body.template.slug).not.toBe(slug);
    expect(res.body.template.ownerTeamId).toBe(teamId);
    expect((await api("GET", cloud(d.id, "manifest"))).body.template.slug).toBe(res.body.template.slug);
  });

  it("forks an official template and creates a draft for an unlinked deployment", async () => {
    const official = await linkedTo("hello");
    const forked = await api("POST", cloud(official.id, "template"));
    expect(forked.body).toMatchObject({
      mode: "forked",
      template: { forkedFrom: "hello", ownerTeamId: teamId },
    });
    const image = await api<Created>("POST", "/api/deployments/deploy-image", {
      body: { image: "berth/hello" },
    });
    const created = await api("POST", cloud(image.body.id, "template"));
    expect(created.body).toMatchObject({
      mode: "created",
      revision: 1,
      template: { slug: image.body.name, status: "draft" },
    });
    expect((await api("GET", cloud(image.body.id, "manifest"))).body.drift).toBe("up-to-date");
  });
});

describe("redeploy policy", () => {
  let d: Created;
  beforeAll(async () => {
    d = await deployTemplate("hello");
  });
  const snapshot = (workload: object) => ({
    configSnapshot: { workloads: [{ name: "web", port: 8080, ...workload }] },
  });

  it.each([
    [
      "a command outside the allow-list",
      snapshot({ command: "/bin/sh", args: ["-c", "id"] }),
      /command \/bin\/sh is not allowed/,
    ],
    [
      "an image the runtime cannot run",
      snapshot({ image: "evil/miner:latest" }),
      /image evil\/miner:latest is not allowed/,
    ],
    [
      "too many replicas for the tier",
      snapshot({ image: "berth/hello", replicas: 60 }),
      /60 replicas exceeds the tier limit of 50/,
    ],
    [
      "a host path",
      snapshot({ image: "berth/hello", volume: { mountPath: "/etc" } }),
      /mountPath \/etc is a host path/,
    ],
    ["a reserved env var", snapshot({ image: "berth/hello", env: { PORT: "1" } }), /PORT is set by berth/],
    ["too much cpu", snapshot({ image: "berth/hello", resources: { cpu: "64" } }), /cpu 64 exceeds/],
  ])("refuses %s with 422", async (_what, body, message) => {
    const res = await api("POST", cloud(d.id, "redeploy"), { body });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ ok: false, error: expect.stringMatching(message) });
  });

  it("holds agent specs, template configs and template revisions to the same policy", async () => {
    const shell = { name: "web", command: "/bin/sh", args: ["-c", "id"], port: 8080 };
    const agent = await api("POST", "/api/agents", { body: { name: "shell", spec: shell } });
    expect(agent.status).toBe(422);
    expect(agent.body.error).toMatch(/command \/bin\/sh is not allowed \(allowed: node,/);
    const template = await api("POST", "/api/templates", {
      body: { slug: "shell-template", config: { workloads: [shell] } },
    });
    expect(template.status).toBe(422);
    expect((await api("GET", "/api/templates/shell-template")).status).toBe(404);
    const ok = await api("POST", "/api/templates", {
      body: { slug: "policy-ok", config: { workloads: [{ name: "web", image: "berth/hello", port: 8080 }] } },
    });
    expect(ok.status).toBe(201);
    const revision = await api("POST", "/api/templates/policy-ok/revisions", {
      body: { config: { workloads: [{ name: "web", image: "berth/hello", replicas: 60 }] } },
    });
    expect(revision.status).toBe(422);
    expect(revision.body.error).toMatch(/60 replicas exceeds the tier limit/);
    expect((await api("GET", "/api/templates/policy-ok")).body.latestRevision).toBe(1);
  });

  it("refuses undeclared env vars, and template mode for an unlinked deployment", async () => {
    const undeclared = await api("POST", cloud(d.id, "redeploy"), {
      body: { envVars: { NOT_DECLARED: "x" } },
    });
    expect(undeclared.status).toBe(422);
    expect(undeclared.body.error).toMatch(/NOT_DECLARED/);
    const image = await api<Created>("POST", "/api/deployments/deploy-image", {
      body: { image: "berth/hello" },
    });
    const res = await api("POST", cloud(image.body.id, "redeploy"), { body: { mode: "template" } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/not linked to a template/);
  });

  it("overrides declared env vars and redeploys from another accessible template", async () => {
    const res = await api("POST", cloud(d.id, "redeploy"), { body: { envVars: { GREETING: "override" } } });
    expect(res.status).toBe(200);
    expect((await viaIngress(t.url, `${d.name}.localhost`)).text).toBe("hello: override\n");
    const other = await api("POST", cloud(res.body.deployment.id, "redeploy"), {
      body: { templateSlug: "counter-agent" },
    });
    expect(other.status).toBe(200);
    expect(other.body.deployment.source).toMatchObject({ templateSlug: "counter-agent" });
    const hidden = await teamWithKey(t.api);
    await apiClient(t.url, hidden.key)("POST", "/api/templates", {
      body: {
        slug: "someone-elses",
        config: { workloads: [{ name: "web", image: "berth/hello", port: 8080 }] },
      },
    });
    const refused = await api("POST", cloud(other.body.deployment.id, "redeploy"), {
      body: { templateSlug: "someone-elses" },
    });
    expect(refused.status).toBe(404);
  });
});

describe("wake on demand and idle pause", () => {
  it("50 concurrent requests to a paused app cause one resume and all get the app's answer", async () => {
    const d = await deployTemplate("hello");
    await api("POST", cloud(d.id, "pause"));
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => viaIngress(t.url, `${d.name}.localhost`)),
    );
    expect(answers.map((a) => `${a.status} ${a.text}`)).toEqual(Array(50).fill("200 hello: world\n"));
    const events = await api("GET", `/deployments/${d.id}/events?event_type=resuming`);
    expect(events.body.total).toBe(1);
    expect(processesOf(d.id)).toHaveLength(1);
  });

  it("answers 503 with Retry-After: 5 when the app is not ready within the wake timeout", async () => {
    const slow = await startWithTeam({}, { wakeTimeoutMs: 300 });
    try {
      const agent = await slow.api("POST", "/api/agents", {
        body: {
          name: "slow",
          spec: {
            name: "slow",
            command: "node",
            args: [
              "-e",
              "setTimeout(() => require('http').createServer((q, s) => s.end('late')).listen(process.env.PORT), 3000)",
            ],
            port: 8080,
            healthCheck: { type: "http", path: "/" },
          },
        },
      });
      const dep = await slow.api("POST", "/deployments", { body: { agent_id: agent.body.id } });
      await waitFor(
        async () => (await slow.api("GET", `/deployments/${dep.body.id}`)).body.status === "ready",
        "slow ready",
      );
      await slow.api("POST", cloud(dep.body.id, "pause"));
      const res = await viaIngress(slow.t.url, `${dep.body.name}.localhost`);
      expect(res.status).toBe(503);
      expect(res.headers["retry-after"]).toBe("5");
    } finally {
      await slow.t.close();
    }
  });

  it("a mention and a heartbeat each wake a paused agent deployment", async () => {
    const agent = await api("POST", "/api/agents", {
      body: { name: "buddy", spec: { name: "buddy", image: "berth/hello", port: 8080 } },
    });
    const dep = await api("POST", "/deployments", { body: { agent_id: agent.body.id } });
    await waitReady(dep.body.id);
    await api("POST", cloud(dep.body.id, "pause"));
    const mention = await api("POST", "/api/cloud-saas/mentions", {
      body: { agentId: agent.body.id, channelId: "c1", message: "@buddy hi" },
    });
    expect(mention.status).toBe(202);
    expect(mention.body).toMatchObject({ ok: true, resuming: [dep.body.id] });
    await waitReady(dep.body.id);
    await api("POST", cloud(dep.body.id, "pause"));
    const beat = await api("POST", `/api/agents/${agent.body.id}/heartbeat`, {
      body: { usage: { tokens: 12 } },
    });
    expect(beat.status).toBe(202);
    await waitReady(dep.body.id);
    expect((await api("GET", `/api/agents/${agent.body.id}`)).body.lastHeartbeatAt).not.toBeNull();
  });

  it("pauses an idle deployment and records why", async () => {
    const d = await deployTemplate("hello");
    const set = await api("PUT", cloud(d.id, "idle-timeout"), { body: { idleTimeoutMs: 1000 } });
    expect(set.status).toBe(200);
    await waitFor(
      async () => (await api("GET", cloud(d.id))).body.deployment.status === "paused",
      "idle pause",
      10_000,
    );
    const events = await api("GET", `/deployments/${d.id}/events?event_type=pausing`);
    expect(events.body.events[0]).toMatchObject({
      actor: "system:idle-pause",
      message: expect.stringMatching(/^idle for \d+s/),
    });
    expect((await viaIngress(t.url, `${d.name}.localhost`)).text).toBe("hello: world\n");
  });

  it("does not list failed deployments on this surface", async () => {
    const agent = await api("POST", "/api/agents", {
      body: { name: "broken", spec: { name: "broken", command: "/nonexistent/x", port: 8080 } },
    });
    const dep = await api("POST", "/deployments", { body: { agent_id: agent.body.id } });
    await waitFor(
      async () => (await api("GET", `/deployments/${dep.body.id}`)).body.status === "failed",
      "failed",
    );
    const list = await api("GET", "/api/cloud-saas/deployments");
    expect(list.body.deployments.map((x: { id: string }) => x.id)).not.toContain(dep.body.id);
  });
});
