/**
 * Seed 004 end to end with real processes: create from `hello`, serve through the ingress, logs
 * (tail, follow, SSE), metrics, history, events, config, restart, auto-update, delete.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  isAlive,
  type TestBerth,
  viaIngress,
  waitFor,
  startWithTeam,
} from "./support/berth.js";

let t: TestBerth;
let api: ApiClient;
let key: string;

beforeAll(async () => {
  ({ t, api, key } = await startWithTeam({}, { sseKeepAliveMs: 200 }));
});

/** Reads a streaming response until `done(text)` holds, then aborts it. */
async function readStream(path: string, trigger: () => Promise<unknown>, done: (text: string) => boolean) {
  const ctrl = new AbortController();
  const res = await fetch(`${t.url}${path}`, {
    headers: { authorization: `Bearer ${key}` },
    signal: ctrl.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let triggered = false;
  const deadline = Date.now() + 15_000;
  try {
    while (!done(text) && Date.now() < deadline) {
      const { value, done: end } = await reader.read();
      if (end) break;
      text += decoder.decode(value, { stream: true });
      if (!triggered) {
        triggered = true;
        await trigger();
      }
    }
  } finally {
    ctrl.abort();
  }
  return { res, text };
}
afterAll(async () => {
  await t?.close();
});

const pidsOf = (id: string, workload = "web") =>
  (t.berth.driver.status(`${id}/${workload}`)?.replicas ?? [])
    .map((r) => r.pid)
    .filter((p): p is number => p !== null);

async function waitReady(name: string) {
  return waitFor(async () => {
    const s = await api<{ deploymentReady: boolean; status: string }>(
      "GET",
      `/api/deployments/status?name=${name}`,
    );
    return s.body.deploymentReady ? s.body : undefined;
  }, `${name} ready`);
}

describe("a deployment of the hello template", () => {
  let name: string;
  let id: string;
  let host: string;

  it("is created with 201, a generated name and status Pending", async () => {
    const res = await api<{ id: string; name: string; status: string; template: string; visibility: string }>(
      "POST",
      "/api/deployments",
      { body: { template: "hello", envVars: { GREETING: "berth" }, visibility: "public" } },
    );
    expect(res.status).toBe(201);
    expect(res.body.name).toMatch(/^[a-z][a-z0-9]{9}$/);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toMatchObject({ status: "Pending", template: "hello", visibility: "public" });
    name = res.body.name;
    id = res.body.id;
    host = `${name}.localhost`;
  });

  it("becomes Ready with its ingress URL", async () => {
    const status = await waitReady(name);
    const full = await api("GET", `/api/deployments/status?name=${name}`);
    expect(status.status).toBe("Ready");
    expect(full.body).toMatchObject({
      id,
      status: "Ready",
      deploymentReady: true,
      allowDelete: true,
      allowRequest: true,
      ingresses: [{ id: "web", name: "web", host, url: `http://${host}:${t.berth.port}` }],
    });
    const list = await api<{ name: string; status: string; canDelete: boolean }[]>("GET", "/api/deployments");
    expect(list.body.find((d) => d.name === name)).toMatchObject({
      id,
      status: "Ready",
      canDelete: true,
      template: "hello",
    });
  });

  it("serves the app through the ingress with its env", async () => {
    const res = await viaIngress(t.url, host, "/");
    expect(res.status).toBe(200);
    expect(res.text).toBe("hello: berth\n");
    const keepAlive = new http.Agent({ keepAlive: true });
    for (let i = 0; i < 3; i++)
      expect((await viaIngress(t.url, host, "/", { agent: keepAlive })).text).toBe("hello: berth\n");
    keepAlive.destroy();
  });

  it("tails logs", async () => {
    const logs = await waitFor(async () => {
      const r = await api<{ logs: string }>("GET", `/api/deployments/${name}/logs?tail=50`);
      return r.status === 200 && r.body.logs.includes("GET /") ? r.body.logs : undefined;
    }, "request in logs");
    const one = await api<{ logs: string }>("GET", `/api/deployments/${name}/logs?tail=1`);
    expect(one.body.logs.trim().split("\n")).toHaveLength(1);
    expect(logs.split("\n").length).toBeGreaterThan(1);
  });

  it("streams new log lines over SSE, with keep-alive comments", async () => {
    const { res, text } = await readStream(
      `/api/deployments/${name}/logs/stream`,
      () => viaIngress(t.url, host, "/sse-probe"),
      (s) => s.includes("/sse-probe") && s.includes(": keep-alive"),
    );
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(text).toMatch(/^data: .*\/sse-probe/m);
    expect(text).toContain(": keep-alive\n\n");
  });

  it("follows plain logs with follow=true", async () => {
    const { res, text } = await readStream(
      `/api/deployments/${name}/logs?follow=true&tail=0`,
      () => viaIngress(t.url, host, "/follow-probe"),
      (s) => s.includes("/follow-probe"),
    );
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(text).toContain("/follow-probe");
  });

  it("reports metrics in Kubernetes units", async () => {
    const res = await api<{ cpuUsage: string; memoryUsage: string; timestamp: string }>(
      "GET",
      `/api/deployments/${name}/metrics`,
    );
    expect(res.status).toBe(200);
    expect(res.body.cpuUsage).toMatch(/^\d+m$/);
    expect(res.body.memoryUsage).toMatch(/^\d+(Ki|Mi|Gi)$/);
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
  });

  it("lists runtime events and revision history", async () => {
    const events = await api<{ events: { reason: string; involvedObject: { name: string } }[] }>(
      "GET",
      `/api/deployments/${name}/events`,
    );
    expect(events.status).toBe(200);
    const reasons = events.body.events.map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["Scheduled", "Started", "Ready"]));
    const history = await api<{ revisions: { revision: number; reason: string }[] }>(
      "GET",
      `/api/deployments/${name}/history`,
    );
    expect(history.body.revisions).toEqual([expect.objectContaining({ revision: 1, reason: "create" })]);
  });

  it("replaces env vars on PUT /config and restarts the process", async () => {
    const before = pidsOf(id);
    const get = await api<{ configData: Record<string, string> }>(
      "GET",
      `/api/deployments/config?name=${name}`,
    );
    expect(get.body.configData).toEqual({ GREETING: "berth" });
    const put = await api("PUT", "/api/deployments/config", {
      body: { deployment_name: name, configData: { GREETING: "again", API_TOKEN: "s3cr3t-value-123" } },
    });
    expect(put.status).toBe(200);
    expect(put.text).not.toContain("s3cr3t-value-123");
    await waitFor(
      async () => (await viaIngress(t.url, host, "/")).text === "hello: again\n",
      "new env served",
    );
    // rolling: the new process serves before it replaces the old one in the replica slot
    const after = await waitFor(() => pidsOf(id)[0] !== before[0] && pidsOf(id), "replica replaced");
    expect(after).toHaveLength(1);
    await waitFor(() => !isAlive(before[0]!), "old process gone");
    const masked = await api<{ configData: Record<string, string> }>(
      "GET",
      `/api/deployments/config?name=${name}`,
    );
    expect(masked.body.configData).toEqual({ GREETING: "again", API_TOKEN: "********" });
    expect(masked.text).not.toContain("s3cr3t-value-123");
  });

  it("restarts every process on POST /restart", async () => {
    const before = pidsOf(id);
    const res = await api("POST", "/api/deployments/restart", { body: { deployment_name: name } });
    expect(res.status).toBe(200);
    await waitFor(() => pidsOf(id)[0] !== before[0] && pidsOf(id).length === 1, "new pid");
    await waitReady(name);
    const history = await api<{ revisions: { reason: string }[] }>("GET", `/api/deployments/${name}/history`);
    expect(history.body.revisions.map((r) => r.reason)).toEqual(["restart", "config", "create"]);
  });

  it("reads and writes auto-update settings", async () => {
    const get = await api("GET", `/api/deployments/auto-update?name=${name}`);
    expect(get.body).toMatchObject({ enabled: false, strategy: "rolling" });
    const put = await api("PUT", "/api/deployments/auto-update", {
      body: { deployment_name: name, enabled: true, strategy: "recreate" },
    });
    expect(put.status).toBe(200);
    expect((await api("GET", `/api/deployments/auto-update?name=${name}`)).body).toMatchObject({
      enabled: true,
      strategy: "recreate",
    });
  });

  it("deletes: process gone, then record gone", async () => {
    const pids = pidsOf(id);
    expect(pids.length).toBe(1);
    const res = await api("POST", "/api/deployments/delete", { body: { deployment_name: name } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, name });
    await waitFor(
      async () => (await api("GET", `/api/deployments/status?name=${name}`)).status === 404,
      "record gone",
    );
    expect(isAlive(pids[0]!)).toBe(false);
    const list = await api<{ name: string }[]>("GET", "/api/deployments");
    expect(list.body.map((d) => d.name)).not.toContain(name);
    expect((await viaIngress(t.url, host, "/")).status).toBe(404);
  });
});
