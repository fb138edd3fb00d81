/**
 * An empty body is no body (issue 13 §7): requests exactly as the seeds' curl examples send them,
 * `Content-Type: application/json` with nothing after the head, on routes of every surface whose
 * body is optional; routes that need a body refuse the empty one in their own envelope.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startWithTeam, type TestBerth, waitFor } from "./support/berth.js";

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  ({ t, api } = await startWithTeam({}, { scheduler: false }));
});
afterAll(async () => {
  await t?.close();
});

/** POST with `Content-Type: application/json` and the given raw body ("" by default), as curl -d '' does. */
const post = (path: string, rawBody = "") =>
  api("POST", path, { rawBody, headers: { "content-type": "application/json" } });

describe("scheduled deployments (seed 003)", () => {
  let id: string;
  beforeAll(async () => {
    const env = await api("POST", "/api/v1/cloud/environments", { body: { name: "production" } });
    const agent = await api("POST", "/api/agents", {
      body: { name: "a", spec: { name: "script", command: "node", args: ["-e", "1"] } },
    });
    const created = await api("POST", "/api/v1/cloud/deployments", {
      body: {
        agent: agent.body.id,
        environment_id: env.body.id,
        name: "nightly",
        schedule: { type: "cron", expression: "0 3 * * *" },
      },
    });
    expect(created.status, created.text).toBe(200);
    id = created.body.id;
  });

  it("pauses and unpauses with an empty JSON body, as seed 003's curl does", async () => {
    const paused = await post(`/api/v1/cloud/deployments/${id}/pause`);
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body.status).toBe("paused");
    const unpaused = await post(`/api/v1/cloud/deployments/${id}/unpause`);
    expect(unpaused.status, unpaused.text).toBe(200);
    expect(unpaused.body.status).toBe("active");
  });

  it("treats a whitespace-only body as no body", async () => {
    const paused = await post(`/api/v1/cloud/deployments/${id}/pause`, " \r\n\t");
    expect(paused.status, paused.text).toBe(200);
    await post(`/api/v1/cloud/deployments/${id}/unpause`);
  });

  it("refuses an empty body where one is required, in the surface's envelope", async () => {
    const res = await post("/api/v1/cloud/deployments");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });

  it("still refuses malformed JSON and prototype poisoning", async () => {
    expect((await post(`/api/v1/cloud/deployments/${id}/pause`, "{")).status).toBe(400);
    const poisoned = await post(`/api/v1/cloud/deployments/${id}/pause`, '{"__proto__":{"x":1}}');
    expect(poisoned.status).toBe(400);
  });
});

describe("cloud runtime (seeds 000/001)", () => {
  let id: string;
  const cloud = (action: string) => `/api/cloud-saas/deployments/${id}/${action}`;
  const deployed = () =>
    waitFor(async () => {
      const r = await api("GET", `/api/cloud-saas/deployments/${id}`);
      return r.body.deployment?.status === "deployed" ? r.body.deployment : undefined;
    }, "deployed");

  beforeAll(async () => {
    const d = await api("POST", "/api/deployments", { body: { template: "counter-agent" } });
    expect(d.status, d.text).toBe(201);
    id = d.body.id;
    await deployed();
  });

  it("pauses and resumes with an empty JSON body", async () => {
    const paused = await post(cloud("pause"));
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body).toMatchObject({ ok: true, status: "paused" });
    const resumed = await post(cloud("resume"));
    expect(resumed.status, resumed.text).toBe(200);
    expect(resumed.body).toMatchObject({ ok: true, status: "deployed" });
  });

  it("backs up and restores with an empty JSON body", async () => {
    const backup = await post(cloud("backups"));
    expect(backup.status, backup.text).toBe(202);
    await waitFor(async () => {
      const list = await api("GET", cloud("backups"));
      return list.body.backups?.[0]?.status === "succeeded";
    }, "backup succeeded");
    const restore = await post(cloud("restore"));
    expect(restore.status, restore.text).toBe(202);
    expect(restore.body.backup.id).toBe(backup.body.backup.id);
    await waitFor(async () => {
      const list = await api("GET", cloud("backups"));
      return list.body.backups?.[0]?.restoreStatus === "succeeded";
    }, "restore finished");
  });

  it("redeploys with an empty JSON body", async () => {
    const res = await post(cloud("redeploy"));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ ok: true, previousDeploymentId: id });
    id = res.body.deployment.id;
  });

  it("refuses an empty body where one is required, in the surface's envelope", async () => {
    const res = await api("PUT", cloud("idle-timeout"), {
      rawBody: "",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ ok: false });
  });
});

describe("agent deployments (seed 002) and the template platform (seed 004)", () => {
  it("deploys an agent with an empty JSON body", async () => {
    const agent = await api("POST", "/api/agents", {
      body: { name: "greeter", spec: { name: "greeter", image: "berth/hello", port: 8080 } },
    });
    const res = await post(`/agents/${agent.body.id}/deploy`);
    expect(res.status, res.text).toBe(201);
    expect(res.body.agent_id).toBe(agent.body.id);
    const heartbeat = await post(`/api/agents/${agent.body.id}/heartbeat`);
    expect(heartbeat.status, heartbeat.text).toBe(202);
    const killed = await api("DELETE", `/deployments/${res.body.id}`, {
      rawBody: "",
      headers: { "content-type": "application/json" },
    });
    expect(killed.status, killed.text).toBe(200);
  });

  it("refuses an empty body where one is required, in each surface's envelope", async () => {
    const agents = await post("/deployments");
    expect(agents.status).toBe(422);
    expect(Array.isArray(agents.body.detail)).toBe(true);
    const platform = await post("/api/deployments");
    expect(platform.status).toBe(400);
    expect(platform.body).toMatchObject({ code: "VALIDATION" });
    const form = await api("POST", "/api/deployments/delete", {
      rawBody: "",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(400);
    expect(form.body).toMatchObject({ code: "VALIDATION" });
  });
});
