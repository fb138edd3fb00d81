#!/usr/bin/env node
// berth's smoke check of a real installation (docs/kubernetes.md, "Checking a real cluster").
//
// Drives berth's HTTP API the way a user does and, given a kubeconfig, looks at what berth made in
// the cluster: creates a team, a key and a deployment, waits until it is ready, requests it through
// berth's ingress (and through the cluster's Ingress when SMOKE_INGRESS_URL is set), pauses it
// (Sandbox suspended / StatefulSet at 0 replicas, PVC kept), wakes it with a request, backs it up
// with each backup driver, restores, deletes it, and prints one line per step: PASS, FAIL or SKIP
// with the reason. Exits 1 when a step failed. Nothing it prints contains the tokens.
//
//   BERTH_URL=https://berth.example.com BERTH_ADMIN_TOKEN=… KUBECONFIG=~/.kube/config node deploy/smoke.mjs
//
// Settings (environment):
//   BERTH_URL            berth's API (required)
//   BERTH_ADMIN_TOKEN    an admin token (required; read from the environment only, never argv)
//   KUBECONFIG           a kubeconfig for the cluster berth runs on; unset = the cluster checks are skipped
//   SMOKE_TEMPLATE       the template to deploy (default counter-agent: a counter kept on its volume)
//   SMOKE_BACKUP_DRIVERS comma-separated backup drivers (default volumeSnapshot,objectArchive)
//   SMOKE_INGRESS_URL    the deployment's public URL with {name}, e.g. https://{name}.apps.example.com
//   SMOKE_TIMEOUT_S      how long each wait may take (default 300)
//   SMOKE_BERTH_NAMESPACE the namespace berth was installed in (default berth)
import http from "node:http";
import https from "node:https";

const env = process.env;
const BERTH_URL = (env.BERTH_URL ?? "").replace(/\/$/, "");
const ADMIN = env.BERTH_ADMIN_TOKEN ?? "";
const TEMPLATE = env.SMOKE_TEMPLATE || "counter-agent";
const DRIVERS = (env.SMOKE_BACKUP_DRIVERS || "volumeSnapshot,objectArchive").split(",").filter(Boolean);
const TIMEOUT_MS = Number(env.SMOKE_TIMEOUT_S || 300) * 1000;
const results = [];

function report(outcome, step, detail) {
  results.push(outcome);
  console.log(`${outcome.padEnd(4)} ${step}${detail ? ` — ${detail}` : ""}`);
}

class Skip extends Error {}

/** Runs one step; a thrown Skip is a SKIP, any other error a FAIL. Returns the step's value. */
async function step(name, fn) {
  try {
    const value = await fn();
    report("PASS", name, value === undefined || value === true ? undefined : String(value));
    return value;
  } catch (err) {
    report(err instanceof Skip ? "SKIP" : "FAIL", name, err.message);
    return undefined;
  }
}

/** One HTTP request; `host` sends it to `url` with another Host header (berth's ingress routing). */
function request(method, url, { token, body, host } = {}) {
  const u = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers = { accept: "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (payload)
    Object.assign(headers, { "content-type": "application/json", "content-length": payload.length });
  if (host) headers.host = host;
  const lib = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method, headers, timeout: 60_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
      });
      res.on("end", () => {
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${method} ${u.pathname}: no answer in 60 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

async function api(method, path, token, body, want = [200, 201, 202]) {
  const r = await request(method, `${BERTH_URL}${path}`, { token, body });
  if (!want.includes(r.status)) throw new Error(`${method} ${path} → ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

/** Calls `check` every 2 s until it returns a value other than undefined, or fails at the deadline. */
async function until(what, check) {
  const deadline = Date.now() + TIMEOUT_MS;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error(
    `timed out after ${TIMEOUT_MS / 1000} s waiting for ${what}${last ? ` (${last.message})` : ""}`,
  );
}

// --- the cluster, through the operator's kubeconfig (read-only) -----------------------------------

async function clusterClient() {
  if (!env.KUBECONFIG) return undefined;
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const server = new URL(kc.getCurrentCluster().server);
  return async (path) => {
    const opts = { method: "GET", headers: { accept: "application/json" } };
    await kc.applyToHTTPSOptions(opts);
    const r = await new Promise((resolve, reject) => {
      const lib = server.protocol === "https:" ? https : http;
      const req = lib.request(new URL(path, server), opts, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode, text }));
      });
      req.on("error", reject);
      req.end();
    });
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`GET ${path} → ${r.status} ${r.text.slice(0, 200)}`);
    return JSON.parse(r.text);
  };
}

const byDeployment = (id) => `labelSelector=${encodeURIComponent(`berth.dev/deployment=${id}`)}`;

/** The deployment's workload objects: agent-sandbox Sandboxes (served version) or StatefulSets. */
async function workloads(kube, id) {
  const group = await kube("/apis/agents.x-k8s.io");
  const version = group?.versions?.find((v) => v.version === "v1beta1" || v.version === "v1alpha1")?.version;
  const sandboxes = version
    ? ((await kube(`/apis/agents.x-k8s.io/${version}/sandboxes?${byDeployment(id)}`))?.items ?? [])
    : [];
  const sets = (await kube(`/apis/apps/v1/statefulsets?${byDeployment(id)}`))?.items ?? [];
  return [...sandboxes, ...sets];
}

const isSuspended = (o) =>
  o.kind === "StatefulSet"
    ? o.spec.replicas === 0
    : o.spec.operatingMode === "Suspended" || o.spec.replicas === 0;

// --- the checks -------------------------------------------------------------------------------------

async function main() {
  if (!BERTH_URL || !ADMIN) {
    console.error("smoke: set BERTH_URL and BERTH_ADMIN_TOKEN (and KUBECONFIG for the cluster checks)");
    process.exit(2);
  }
  const kube = await clusterClient();
  const needKube = () => {
    if (!kube) throw new Skip("no KUBECONFIG given");
    return kube;
  };

  await step("berth answers /healthz and /readyz", async () => {
    await api("GET", "/healthz");
    const ready = await api("GET", "/readyz");
    return JSON.stringify(ready).slice(0, 200);
  });
  await step("cluster: berth's CRDs and snapshot classes", async () => {
    const k = needKube();
    const sandbox = (await k("/apis/agents.x-k8s.io"))
      ? "agent-sandbox installed"
      : "no agent-sandbox (StatefulSets)";
    const classes = (await k("/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses"))?.items ?? [];
    return `${sandbox}; VolumeSnapshotClasses: ${classes.map((c) => `${c.metadata.name} (${c.driver})`).join(", ") || "none"}`;
  });

  await step("cluster: berth's own replicas are ready", async () => {
    const k = needKube();
    const ns = env.SMOKE_BERTH_NAMESPACE || "berth";
    const list = await k(
      `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments?labelSelector=${encodeURIComponent("app.kubernetes.io/name=berth")}`,
    );
    const d = list?.items?.[0];
    if (!d) throw new Error(`no Deployment labelled app.kubernetes.io/name=berth in namespace ${ns}`);
    const ready = d.status?.readyReplicas ?? 0;
    if (ready < d.spec.replicas) throw new Error(`${ready} of ${d.spec.replicas} replicas ready`);
    return `${ns}/${d.metadata.name}: ${ready}/${d.spec.replicas} ready`;
  });

  const stamp = Date.now().toString(36);
  const team = await step("create a team and a key", async () => {
    const t = await api("POST", "/api/teams", ADMIN, { name: `smoke-${stamp}`, tier: "business" });
    const k = await api("POST", "/api/keys", ADMIN, {
      name: `smoke-${stamp}`,
      teamId: t.id,
      scopes: ["deployments:read", "deployments:write", "templates:read"],
    });
    return { id: t.id, key: k.key, toString: () => `team ${t.id}` };
  });
  if (!team) return summary();
  const key = team.key;

  const app = await step(`deploy the ${TEMPLATE} template and wait until it is ready`, async () => {
    const d = await api("POST", "/api/deployments", key, { template: TEMPLATE, name: `smoke-${stamp}` });
    const ready = await until("deploymentReady", async () => {
      const s = await api("GET", `/api/deployments/status?name=${encodeURIComponent(d.name)}`, key);
      if (s.status === "Error") throw new Error(`deployment failed: ${s.statusMessage ?? "no message"}`);
      return s.deploymentReady ? s : undefined;
    });
    const host = ready.ingresses[0]?.host ?? `${d.name}`;
    return { id: d.id, name: d.name, host, toString: () => `${d.name} (${d.id}) at ${host}` };
  });
  if (!app) return summary();

  const get = (path = "/") => request("GET", `${BERTH_URL}${path}`, { host: app.host });
  const post = (path) => request("POST", `${BERTH_URL}${path}`, { host: app.host, body: {} });
  const counter = async () => (await get("/")).json?.count;

  await step("request it through berth's ingress", async () => {
    const r = await get("/");
    if (r.status !== 200) throw new Error(`GET / with Host ${app.host} → ${r.status}`);
    return `200 ${r.text.slice(0, 80)}`;
  });
  await step("request it through the cluster's Ingress", async () => {
    if (!env.SMOKE_INGRESS_URL) throw new Skip("SMOKE_INGRESS_URL not set");
    const url = env.SMOKE_INGRESS_URL.replace("{name}", app.name);
    const r = await until(`${url} to answer 200`, async () =>
      (await request("GET", url)).status === 200 ? true : undefined,
    );
    return `${url} → 200 (${r})`;
  });
  await step("cluster: the workload runs with a bound PVC", async () => {
    const k = needKube();
    const objs = await workloads(k, app.id);
    if (objs.length === 0) throw new Error("no Sandbox or StatefulSet labelled for the deployment");
    const pvcs = (await k(`/api/v1/persistentvolumeclaims?${byDeployment(app.id)}`))?.items ?? [];
    const bound = pvcs.filter((p) => p.status?.phase === "Bound");
    if (bound.length === 0)
      throw new Error(
        `no Bound PVC (${pvcs.map((p) => `${p.metadata.name}: ${p.status?.phase}`).join(", ")})`,
      );
    return `${objs.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).join(", ")}; PVC ${bound.map((p) => `${p.metadata.name} (${p.spec.storageClassName})`).join(", ")}`;
  });

  const stateful = (await post("/increment")).status === 200;
  const before = stateful ? await counter() : undefined;

  await step("pause it (volume kept)", async () => {
    await api("POST", `/api/cloud-saas/deployments/${app.id}/pause`, key, {});
    await until("status paused", async () => {
      const d = await api("GET", `/api/cloud-saas/deployments/${app.id}`, key);
      return d.deployment?.status === "paused" ? true : undefined;
    });
    if (!kube) return "paused (cluster not checked: no KUBECONFIG)";
    const objs = await until("the workload object to be suspended", async () => {
      const o = await workloads(kube, app.id);
      return o.length > 0 && o.every(isSuspended) ? o : undefined;
    });
    const pvcs = (await kube(`/api/v1/persistentvolumeclaims?${byDeployment(app.id)}`))?.items ?? [];
    if (pvcs.length === 0) throw new Error("the PVC is gone after pause");
    return `${objs.map((o) => `${o.kind} ${o.metadata.name} suspended`).join(", ")}; PVC kept`;
  });

  await step("wake it with a request", async () => {
    const started = Date.now();
    const r = await get("/");
    if (r.status !== 200) throw new Error(`GET / while paused → ${r.status} ${r.text.slice(0, 200)}`);
    const count = stateful ? await counter() : undefined;
    if (stateful && count !== before) throw new Error(`counter ${count} after wake, ${before} before pause`);
    return `200 after ${Date.now() - started} ms${stateful ? `, counter ${count} kept` : ""}`;
  });

  for (const driver of DRIVERS) {
    const backup = await step(`back up with ${driver}`, async () => {
      const r = await request("POST", `${BERTH_URL}/api/cloud-saas/deployments/${app.id}/backups`, {
        token: key,
        body: { driver },
      });
      if (r.status === 422) throw new Skip(`berth refused: ${r.json?.error ?? r.text.slice(0, 200)}`);
      if (r.status !== 202) throw new Error(`→ ${r.status} ${r.text.slice(0, 300)}`);
      const done = await until(`backup ${r.json.backup.id}`, async () => {
        const list = await api("GET", `/api/cloud-saas/deployments/${app.id}/backups`, key);
        const b = list.backups.find((x) => x.id === r.json.backup.id);
        if (b?.status === "failed") throw new Error(`backup failed: ${b.error}`);
        return b?.status === "succeeded" ? b : undefined;
      });
      let detail = `${done.id} ${done.snapshotName ?? done.objectKey ?? ""}`;
      if (driver === "volumeSnapshot" && kube) {
        const snaps =
          (await kube(`/apis/snapshot.storage.k8s.io/v1/volumesnapshots?${byDeployment(app.id)}`))?.items ??
          [];
        const ready = snaps.filter((s) => s.status?.readyToUse === true);
        if (ready.length === 0) throw new Error("no VolumeSnapshot readyToUse in the cluster");
        detail += `; VolumeSnapshot ${ready.map((s) => s.metadata.name).join(", ")} readyToUse`;
      }
      return { id: done.id, toString: () => detail };
    });
    if (!backup) continue;
    if (stateful) await post("/increment");
    await step(`restore from the ${driver} backup`, async () => {
      await api("POST", `/api/cloud-saas/deployments/${app.id}/restore`, key, { backupId: backup.id });
      await until("the restore to finish", async () => {
        const list = await api("GET", `/api/cloud-saas/deployments/${app.id}/backups`, key);
        const b = list.backups.find((x) => x.id === backup.id);
        if (b?.restoreStatus === "failed") throw new Error(`restore failed: ${b.error}`);
        return b?.restoreStatus === "succeeded" ? b : undefined;
      });
      const r = await until("the deployment to answer after the restore", async () =>
        (await get("/")).status === 200 ? true : undefined,
      );
      const count = stateful ? await counter() : undefined;
      if (stateful && count !== before)
        throw new Error(`counter ${count} after restore, ${before} when backed up`);
      return `answers 200 (${r})${stateful ? `, counter back to ${count}` : ""}`;
    });
  }

  await step("delete it and its cluster objects", async () => {
    await api("POST", "/api/deployments/delete", key, { deployment_name: app.name });
    await until("the deployment to be gone", async () => {
      const r = await request("GET", `${BERTH_URL}/api/deployments/status?name=${app.name}`, { token: key });
      return r.status === 404 ? true : undefined;
    });
    if (!kube) return "deleted (cluster not checked: no KUBECONFIG)";
    await until("its Sandbox/StatefulSet and PVCs to be deleted", async () => {
      const left = [
        ...(await workloads(kube, app.id)),
        ...((await kube(`/api/v1/persistentvolumeclaims?${byDeployment(app.id)}`))?.items ?? []),
      ];
      return left.length === 0 ? true : undefined;
    });
    return "no object labelled for the deployment is left";
  });
  summary();
}

function summary() {
  const count = (o) => results.filter((r) => r === o).length;
  console.log(`smoke result: ${count("PASS")} passed / ${count("FAIL")} failed / ${count("SKIP")} skipped`);
  process.exitCode = count("FAIL") > 0 ? 1 : 0;
}

await main();
