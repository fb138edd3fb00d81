/**
 * Auto-update: a new template revision redeploys the deployments that opted in, with their
 * strategy; rolling keeps the old process serving until the new one is ready.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type ApiClient,
  helloConfig,
  startWithTeam,
  type TestBerth,
  viaIngress,
  waitFor,
} from "./support/berth.js";

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  ({ t, api } = await startWithTeam());
});
afterAll(async () => {
  await t?.close();
});

const config = helloConfig;

async function deploy(slug: string, autoUpdate: { enabled: boolean; strategy?: string }) {
  const d = await api<{ name: string }>("POST", "/api/deployments", { body: { template: slug } });
  expect(d.status).toBe(201);
  await waitFor(
    async () => (await api("GET", `/api/deployments/status?name=${d.body.name}`)).body.deploymentReady,
    "ready",
  );
  expect(
    (
      await api("PUT", "/api/deployments/auto-update", {
        body: { deployment_name: d.body.name, ...autoUpdate },
      })
    ).status,
  ).toBe(200);
  return d.body.name;
}

it("rolls opted-in deployments to a new template revision without a failed request", async () => {
  expect(
    (await api("POST", "/api/templates", { body: { slug: "auto-tpl", config: config("v1") } })).status,
  ).toBe(201);
  const rolling = await deploy("auto-tpl", { enabled: true, strategy: "rolling" });
  const pinned = await deploy("auto-tpl", { enabled: false });
  const host = `${rolling}.localhost`;
  expect((await viaIngress(t.url, host)).text).toBe("hello: v1\n");

  const answers: string[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const r = await viaIngress(t.url, host);
      answers.push(r.status === 200 ? r.text.trim() : `HTTP ${r.status}`);
    }
  })();
  const rev = await api<{ revision: number }>("POST", "/api/templates/auto-tpl/revisions", {
    body: { config: config("v2") },
  });
  expect(rev.status).toBe(201);
  expect(rev.body.revision).toBe(2);
  await waitFor(() => answers.at(-1) === "hello: v2", "new revision served");
  polling = false;
  await poller;
  expect(answers.filter((a) => a.startsWith("HTTP"))).toEqual([]);
  expect(answers[0]).toBe("hello: v1");

  const history = await api<{ revisions: { reason: string; message: string }[] }>(
    "GET",
    `/api/deployments/${rolling}/history`,
  );
  expect(history.body.revisions[0]).toMatchObject({
    reason: "auto-update",
    message: expect.stringContaining("revision 2"),
  });
  expect((await viaIngress(t.url, `${pinned}.localhost`)).text).toBe("hello: v1\n");
  const pinnedHistory = await api<{ revisions: { reason: string }[] }>(
    "GET",
    `/api/deployments/${pinned}/history`,
  );
  expect(pinnedHistory.body.revisions.map((r) => r.reason)).toEqual(["create"]);
});

it("recreates with the recreate strategy", async () => {
  expect(
    (await api("POST", "/api/templates", { body: { slug: "auto-recreate", config: config("r1") } })).status,
  ).toBe(201);
  const name = await deploy("auto-recreate", { enabled: true, strategy: "recreate" });
  await api("POST", "/api/templates/auto-recreate/revisions", { body: { config: config("r2") } });
  await waitFor(
    async () => (await viaIngress(t.url, `${name}.localhost`)).text === "hello: r2\n",
    "recreated",
  );
});
