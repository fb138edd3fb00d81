/**
 * The secret scan (issue 13 §2): berth is seeded with known secret values (long random strings) —
 * its admin token and root key, API keys, env values given through every API (envVars, configData,
 * environment, redeploy envVars), vault secrets and a backup's data key — and every operation of
 * every surface is exercised, well-formed and malformed, with the secrets inside the bad input. Then
 * every response body (every read route, every error), the served OpenAPI document and berth's own
 * log output (trace level) must hold no 8-byte fragment of any secret.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupKeys } from "../src/backup/keys.js";
import {
  type ApiClient,
  type ApiResponse,
  apiClient,
  startTestBerth,
  type TestBerth,
  teamWithKey,
  viaIngress,
  waitFor,
} from "./support/berth.js";
import { apiRoutes, createFixture, type Fixture, type RouteCase } from "./support/routes.js";

/** A random value: any 8 bytes of it found anywhere came from it. */
const secret = () => randomBytes(24).toString("hex");

interface Secret {
  name: string;
  value: string;
  /** Where the value may be shown by design (the one response that hands out a new key). */
  allowedIn?: (where: string) => boolean;
}

const secrets: Secret[] = [];
const seed = (name: string, value = secret(), allowedIn?: Secret["allowedIn"]) => {
  secrets.push({ name, value, allowedIn });
  return value;
};

const ROOT_KEY = seed("root-key");
const ADMIN_TOKEN = seed("admin-token");
const TEMPLATE_TOKEN = seed("template-envvars");
const CONFIG_TOKEN = seed("configdata");
const CONFIG_PASSWORD = seed(
  "configdata-multiline",
  `-----BEGIN KEY-----\n${secret()}\n${secret()}\n-----END KEY-----`,
);
const AGENT_TOKEN = seed("agent-environment");
const ROTATED_TOKEN = seed("agent-environment-rotated");
const IMAGE_TOKEN = seed("deploy-image-envvars");
const COUNTER_TOKEN = seed("counter-envvars");
const REDEPLOY_TOKEN = seed("redeploy-envvars");
const VAULT_TOKEN = seed("vault");
const FIXTURE_TOKEN = seed("fixture-envvars");
const REGISTRY_PASSWORD = seed("registry-password");

/** Everything berth answered, with where it came from. */
const seen: { where: string; text: string }[] = [];
const logLines: string[] = [];

let t: TestBerth;
let admin: ApiClient;
let owner: ApiClient;
let ownerKey: string;
let fixture: Fixture;
/** The deployment of the example app. */
let tokenApp: string;

/** An API client recording every response it gets. */
function recording(base: ApiClient, who: string): ApiClient {
  return async (method, path, opts) => {
    const res = await base(method, path, opts);
    seen.push({ where: `${who} ${method} ${path} → ${res.status}`, text: res.text });
    return res as ApiResponse<never>;
  };
}

/** The app of the example: the token arrives as the last argument, and the app prints it. */
const TOKEN_APP = `console.log("token " + process.argv.at(-1)); require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.env.PORT), "127.0.0.1")`;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _e, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  t = await startTestBerth(
    { BERTH_ENCRYPTION_KEY: ROOT_KEY, BERTH_ALLOWED_COMMANDS: "node,/nonexistent/agent-binary" },
    { adminToken: ADMIN_TOKEN, logger: pino({ level: "trace" }, sink) },
  );
  admin = recording(t.api, "admin");
  const team = await teamWithKey(t.api);
  ownerKey = seed("owner-key", team.key);
  owner = recording(apiClient(t.url, ownerKey), "owner");
  fixture = await createFixture(owner, team.teamId, { API_TOKEN: FIXTURE_TOKEN, GREETING: "visible" });
});

afterAll(async () => {
  await t?.close();
});

/** A 202 answer, asking again while the answer is 409 (another operation in the namespace). */
// biome-ignore lint/suspicious/noExplicitAny: bodies are read loosely, as ApiClient does
async function accepted(call: () => Promise<ApiResponse<any>>): Promise<ApiResponse<any>> {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  let last: ApiResponse<any> | undefined;
  return waitFor(async () => {
    last = await call();
    if (last.status !== 202 && last.status !== 409) throw new Error(`${last.status} ${last.text}`);
    return last.status === 202 ? last : undefined;
  }, "a 202 answer").catch((err) => {
    throw new Error(`${String(err)} (last: ${last?.status} ${last?.text})`);
  });
}

const ready = (name: string) =>
  waitFor(async () => {
    const r = await owner("GET", `/api/deployments/status?name=${name}`);
    return r.body?.deploymentReady === true;
  }, `${name} ready`);

describe("secrets seeded through every API", () => {
  it("a container registry login, stored and replaced", async () => {
    for (const password of [`${REGISTRY_PASSWORD}-old`, REGISTRY_PASSWORD]) {
      const res = await owner("PUT", "/api/registry-credentials/ghcr.io", {
        body: { username: "bot", password },
      });
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({
        registry: "ghcr.io",
        username: "bot",
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    }
  });

  it("a template deployment with secret envVars, then configData replaced with new secrets", async () => {
    const dep = await owner("POST", "/api/deployments", {
      body: { template: "hello", name: "scan-hello", envVars: { API_TOKEN: TEMPLATE_TOKEN, GREETING: "hi" } },
    });
    expect(dep.status, dep.text).toBe(201);
    await ready("scan-hello");
    const put = await owner("PUT", "/api/deployments/config", {
      body: {
        deployment_name: "scan-hello",
        configData: { API_TOKEN: CONFIG_TOKEN, DB_PASSWORD: CONFIG_PASSWORD, GREETING: "hi" },
      },
    });
    expect(put.status, put.text).toBe(200);
    await ready("scan-hello");
  });

  it("the issue's agent: $(API_TOKEN) in its args, the token in the deployment's environment", async () => {
    const agent = await owner("POST", "/api/agents", {
      body: {
        name: "token-app",
        spec: { name: "app", command: "node", args: ["-e", TOKEN_APP, "$(API_TOKEN)"], port: 8080 },
      },
    });
    expect(agent.status, agent.text).toBe(201);
    const dep = await owner("POST", "/deployments", {
      body: { agent_id: agent.body.id, environment: { API_TOKEN: AGENT_TOKEN } },
    });
    expect(dep.status, dep.text).toBe(201);
    tokenApp = dep.body.name;
    await waitFor(async () => (await viaIngress(t.url, `${dep.body.name}.localhost`)).text === "ok", "app");
    const logs = await owner("GET", `/api/deployments/${dep.body.name}/logs`);
    expect(logs.body.logs).toContain("token ********");
    // the token replaced: the new process prints the new one, the old lines keep the old one
    const put = await owner("PUT", "/api/deployments/config", {
      body: { deployment_name: dep.body.name, configData: { API_TOKEN: ROTATED_TOKEN } },
    });
    expect(put.status, put.text).toBe(200);
    await waitFor(async () => {
      const after = await owner("GET", `/api/deployments/${dep.body.name}/logs`);
      return after.body.logs.split("token ********").length === 3;
    }, "the restarted app's log line");
  });

  it("an agent whose command cannot start, with the token in its args", async () => {
    const agent = await owner("POST", "/api/agents", {
      body: {
        name: "broken",
        spec: { name: "broken", command: "/nonexistent/agent-binary", args: ["--token=$(API_TOKEN)"] },
      },
    });
    const dep = await owner("POST", "/deployments", {
      body: { agent_id: agent.body.id, environment: { API_TOKEN: AGENT_TOKEN } },
    });
    expect(dep.status, dep.text).toBe(201);
    await waitFor(async () => {
      const events = await owner("GET", `/api/deployments/${dep.body.name}/events`);
      return events.body.events?.some((e: { reason: string }) => e.reason === "Failed");
    }, "the spawn failure event");
  });

  it("a deploy-image deployment with a secret envVar", async () => {
    const dep = await owner("POST", "/api/deployments/deploy-image", {
      body: { image: "berth/hello", name: "scan-image", envVars: { SECRET_KEY: IMAGE_TOKEN } },
    });
    expect(dep.status, dep.text).toBe(201);
    await ready("scan-image");
  });

  it("a counter agent redeployed with new envVars, backed up (encrypted archive) and restored", async () => {
    const dep = await owner("POST", "/api/deployments", {
      body: {
        template: "counter-agent",
        name: "scan-counter",
        envVars: { BERTH_AGENT_TOKEN: COUNTER_TOKEN },
      },
    });
    expect(dep.status, dep.text).toBe(201);
    await ready("scan-counter");
    const redeploy = await owner("POST", `/api/cloud-saas/deployments/${dep.body.id}/redeploy`, {
      body: { envVars: { BERTH_AGENT_TOKEN: REDEPLOY_TOKEN } },
    });
    expect(redeploy.status, redeploy.text).toBe(200);
    const id = redeploy.body.deployment.id as string;
    // 409 while the namespace's previous operation is still finishing: ask again
    const backup = await accepted(() =>
      owner("POST", `/api/cloud-saas/deployments/${id}/backups`, { body: { driver: "restic" } }),
    );
    const done = await waitFor(async () => {
      const list = await owner("GET", `/api/cloud-saas/deployments/${id}/backups`);
      const b = list.body.backups.find((x: { id: string }) => x.id === backup.body.backup.id);
      return b && b.status !== "running" ? b : undefined;
    }, "backup");
    expect(done.status, JSON.stringify(done)).toBe("succeeded");
    const row = await t.berth.store.backups.get(done.id);
    const dataKey = new BackupKeys(ROOT_KEY).unwrap(row!.namespace_id, row!.wrapped_key!);
    seed("backup-wrapped-key", row!.wrapped_key!);
    for (const encoding of ["hex", "base64", "base64url"] as const)
      seed(`backup-data-key-${encoding}`, dataKey.toString(encoding));
    await accepted(() =>
      owner("POST", `/api/cloud-saas/deployments/${id}/restore`, { body: { backupId: done.id } }),
    );
    await waitFor(async () => {
      const list = await owner("GET", `/api/cloud-saas/deployments/${id}/backups`);
      const b = list.body.backups.find((x: { id: string }) => x.id === done.id);
      return b?.restoreStatus === "succeeded" || b?.restoreStatus === "failed";
    }, "restore");
  });

  it("a scheduled session with a vault secret that prints it, runs and fails", async () => {
    const vault = await owner("POST", "/api/v1/cloud/vaults", {
      body: { name: "scan", secrets: { API_TOKEN: VAULT_TOKEN } },
    });
    expect(vault.status, vault.text).toBe(200);
    const agent = await owner("POST", "/api/agents", {
      body: {
        name: "printer",
        spec: {
          name: "printer",
          command: "node",
          // the token, then enough output that the kept excerpt's cut falls inside it
          args: ["-e", `process.stdout.write(process.env.API_TOKEN + "x".repeat(3990)); process.exit(3)`],
        },
      },
    });
    const schedule = await owner("POST", "/api/v1/cloud/deployments", {
      body: {
        agent: { id: agent.body.id, type: "agent" },
        environment_id: fixture.environmentId,
        name: "scan",
        schedule: { type: "cron", expression: "0 0 1 1 *", timezone: "UTC" },
        vault_ids: [vault.body.id],
      },
    });
    expect(schedule.status, schedule.text).toBe(200);
    await owner("POST", `/api/v1/cloud/deployments/${schedule.body.id}/run`);
    await waitFor(async () => {
      const runs = await owner("GET", `/api/v1/cloud/deployments/${schedule.body.id}/runs`);
      return runs.body.data[0]?.status === "failed";
    }, "the failed run");
  });
});

/** Request bodies carrying secrets in places a request is refused for. */
function hostileBodies(route: RouteCase): { label: string; body?: unknown; raw?: string }[] {
  const s = CONFIG_TOKEN;
  const body = (route.body?.(fixture) ?? {}) as Record<string, unknown>;
  const out: { label: string; body?: unknown; raw?: string }[] = [
    { label: "unknown field", body: { ...body, unexpected: s } },
    { label: "malformed JSON", raw: `{"envVars": {"API_TOKEN": "${s}"` },
    { label: "JSON with a bare value", raw: `{"configData": ${s}}` },
  ];
  for (const k of Object.keys(body))
    out.push({ label: `wrong type for ${k}`, body: { ...body, [k]: [s, { s }] } });
  for (const k of ["envVars", "configData", "environment", "secrets"]) {
    out.push(
      { label: `${k} name with =`, body: { ...body, [k]: { [`API_TOKEN=${s}`]: "x" } } },
      { label: `${k} value with NUL`, body: { ...body, [k]: { API_TOKEN: `${s}\u0000${s}` } } },
      { label: `${k} value too long`, body: { ...body, [k]: { API_TOKEN: s.repeat(1000) } } },
      { label: `${k} name reserved`, body: { ...body, [k]: { HOME: s } } },
    );
  }
  // specs a policy refuses, with the secret in the refused parts
  const spec = { name: "web", command: "/usr/bin/env", args: [`--x=/etc/${s}`], env: { PORT: s } };
  out.push(
    { label: "refused spec", body: { ...body, spec } },
    { label: "refused config", body: { ...body, config: { workloads: [spec] } } },
    { label: "refused configSnapshot", body: { ...body, configSnapshot: { workloads: [spec] } } },
    {
      label: "NUL in a spec",
      body: { ...body, spec: { ...spec, command: "node", env: { A: `${s}\u0000` } } },
    },
    { label: "host-path argument", body: { ...body, spec: { ...spec, command: "node", env: {} } } },
  );
  return out;
}

const writes = apiRoutes.filter((r) => r.method !== "GET");
const reads = apiRoutes.filter((r) => r.method === "GET");

/** What a streaming route sends until the restarted app's start line arrives (or 20 s pass). */
async function streamed(path: string, during: () => Promise<void>): Promise<string> {
  const ctrl = new AbortController();
  const res = await fetch(`${t.url}${path}`, {
    headers: { authorization: `Bearer ${ownerKey}` },
    signal: ctrl.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value, { stream: true });
  const before = text.split("token ").length;
  await during();
  const deadline = Date.now() + 20_000;
  while (text.split("token ").length === before && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  ctrl.abort();
  return text;
}

async function readEverything(label: string) {
  for (const as of [owner, admin]) {
    for (const r of reads) {
      if (r.route.endsWith("/logs/stream")) continue;
      await as("GET", r.path(fixture));
    }
  }
  // the streams, while the app restarts and prints its token again
  for (const query of ["/logs/stream", "/logs?follow=true&tail=100"]) {
    const text = await streamed(`/api/deployments/${tokenApp}${query}`, async () => {
      const res = await owner("POST", "/api/deployments/restart", { body: { deployment_name: tokenApp } });
      expect(res.status, res.text).toBe(200);
    });
    expect(text).toContain("token ********");
    seen.push({ where: `${label} GET ${query} of ${tokenApp}`, text });
  }
  // every deployment, agent, schedule and run the owner can list, with its events, logs and history
  const deployments = await owner("GET", "/api/deployments");
  for (const d of deployments.body as { name: string }[]) {
    for (const p of ["status", "config", "auto-update"])
      await owner("GET", `/api/deployments/${p}?name=${d.name}`);
    for (const p of ["logs", "events", "history", "metrics"])
      await owner("GET", `/api/deployments/${d.name}/${p}`);
  }
  const cloud = await owner("GET", "/api/cloud-saas/deployments");
  for (const d of cloud.body.deployments as { id: string }[]) {
    for (const p of ["", "/manifest", "/backups"])
      await owner("GET", `/api/cloud-saas/deployments/${d.id}${p}`);
  }
  const agentDeps = await owner("GET", "/deployments");
  for (const d of agentDeps.body as { id: string }[]) {
    for (const p of ["", "/events", "/logs", "/metrics"]) await owner("GET", `/deployments/${d.id}${p}`);
  }
  const schedules = await owner("GET", "/api/v1/cloud/deployments");
  for (const s of schedules.body.data as { id: string }[])
    await owner("GET", `/api/v1/cloud/deployments/${s.id}/runs`);
  for (const p of ["/openapi.json", "/healthz", "/readyz", "/docs/json"]) {
    const res = await fetch(`${t.url}${p}`);
    seen.push({ where: `${label} ${p}`, text: await res.text() });
  }
}

describe("every operation of every surface", () => {
  it("covers every route the served OpenAPI document lists", async () => {
    const doc = (await (await fetch(`${t.url}/openapi.json`)).json()) as { paths: Record<string, object> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    const covered = new Set(apiRoutes.map((r) => `${r.method} ${r.route}`));
    const public_ = ["GET /healthz", "GET /readyz"];
    expect(documented.filter((o) => !covered.has(o) && !public_.includes(o))).toEqual([]);
  });

  it("every write route, refused with hostile bodies and then called as its owner", async () => {
    const ordered = [...writes.filter((r) => !r.mutates), ...writes.filter((r) => r.mutates)];
    for (const route of ordered) {
      for (const h of hostileBodies(route)) {
        const res = await owner(route.method, route.path(fixture), {
          body: h.body,
          rawBody: h.raw,
          headers: h.raw ? { "content-type": "application/json" } : undefined,
        });
        expect(res.status, `${route.method} ${route.route} ${h.label}: ${res.text}`).toBeLessThan(500);
      }
      if (!route.mutates) {
        const res = await owner(route.method, route.path(fixture), { body: route.body?.(fixture) });
        expect(res.status, `${route.method} ${route.route}: ${res.text}`).toBeLessThan(500);
        if (route.route === "/api/keys") {
          const issued = res.body.key as string;
          seed("issued-key", issued, (where) => where.includes("POST /api/keys → 201"));
        }
      }
    }
    await readEverything("before mutations");
    for (const route of ordered.filter((r) => r.mutates)) {
      const res = await owner(route.method, route.path(fixture), { body: route.body?.(fixture) });
      expect(res.status, `${route.method} ${route.route}: ${res.text}`).toBeLessThan(500);
    }
    await readEverything("after mutations");
  }, 180_000);

  it("no response, document or log line holds an 8-byte fragment of any secret", async () => {
    await t.close();
    const texts = [...seen, ...logLines.map((text, i) => ({ where: `log line ${i}`, text }))];
    expect(texts.length).toBeGreaterThan(500);
    const found: string[] = [];
    for (const s of secrets) {
      const windows = new Set<string>();
      for (let i = 0; i + 8 <= s.value.length; i++) windows.add(s.value.slice(i, i + 8));
      for (const { where, text } of texts) {
        if (s.allowedIn?.(where)) continue;
        for (const w of windows) {
          if (w.includes("-----") || w.includes("\n")) continue; // PEM armour is not secret
          if (text.includes(w)) {
            found.push(
              `${s.name}: "${w}" in ${where}: …${text.slice(Math.max(0, text.indexOf(w) - 60), text.indexOf(w) + 40)}…`,
            );
            break;
          }
        }
      }
    }
    expect(found).toEqual([]);
  });
});
