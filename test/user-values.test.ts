/**
 * Values users supply through an API (envVars, configData, environment, redeploy envVars, vault
 * secrets) reach the process byte for byte; `$(VAR)` is expanded only where a template or agent
 * author wrote it in a spec's args or env. Values a process cannot carry are refused at the API
 * with a 4xx in the surface's own envelope, and nothing changes.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../src/security/secrets.js";
import { type ApiClient, startWithTeam, type TestBerth, viaIngress, waitFor } from "./support/berth.js";

const DOLLARS = "pa$$w0rd-$(HOME)-end";
const OTHER = "$$(PORT)-$(PATH)-$$-$";

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  ({ t, api } = await startWithTeam());
});
afterAll(async () => {
  await t?.close();
});

/** What a deployment's app answers through the ingress once it says `expected`. */
const answers = (name: string, expected: string) =>
  waitFor(
    async () => {
      const r = await viaIngress(t.url, `${name}.localhost`);
      return r.status === 200 && r.text === expected ? r.text : undefined;
    },
    `${name} answering ${JSON.stringify(expected)}`,
  );

/** An app that answers with its argv (after the script) and environment as JSON. */
const ENV_PRINTER = `require("node:http").createServer((q, s) => s.end(JSON.stringify({ argv: process.argv.slice(1), env: process.env }))).listen(Number(process.env.PORT), "127.0.0.1")`;

type Printed = { argv: string[]; env: Record<string, string> };

async function printed(name: string): Promise<Printed> {
  return waitFor(async () => {
    const r = await viaIngress(t.url, `${name}.localhost`);
    return r.status === 200 ? (JSON.parse(r.text) as Printed) : undefined;
  }, `${name} answering`);
}

describe("env stored before replaced secrets were kept", () => {
  it("is read as it was written (a plain map of values)", async () => {
    const dep = await api<{ id: string }>("POST", "/api/deployments", {
      body: { template: "hello", name: "legacy-env" },
    });
    const box = new SecretBox(t.config.encryptionKey!);
    const legacy = { GREETING: "from an older berth", env: "a var named env" };
    await t.berth.store.deployments.putEnvCiphertext(
      dep.body.id,
      box.encrypt(JSON.stringify(legacy)),
      "2026-01-01T00:00:00Z",
    );
    const config = await api("GET", "/api/deployments/config?name=legacy-env");
    expect(config.body.configData).toEqual(legacy);
  });
});

describe("values supplied through the template platform API", () => {
  it("envVars reach the process exactly as sent (issue 13 §3: pa$$w0rd-$(HOME)-end)", async () => {
    const res = await api<{ name: string }>("POST", "/api/deployments", {
      body: { template: "hello", name: "dollar-app", envVars: { GREETING: DOLLARS } },
    });
    expect(res.status, res.text).toBe(201);
    await answers("dollar-app", `hello: ${DOLLARS}\n`);
    const config = await api("GET", "/api/deployments/config?name=dollar-app");
    expect(config.body.configData).toEqual({ GREETING: DOLLARS });
  });

  it("configData replaced later reaches the restarted process exactly as sent", async () => {
    const put = await api("PUT", "/api/deployments/config", {
      body: { deployment_name: "dollar-app", configData: { GREETING: OTHER } },
    });
    expect(put.status, put.text).toBe(200);
    await answers("dollar-app", `hello: ${OTHER}\n`);
  });

  it("deploy-image envVars reach the process exactly as sent", async () => {
    const res = await api<{ name: string }>("POST", "/api/deployments/deploy-image", {
      body: { image: "berth/hello", name: "dollar-image", envVars: { GREETING: DOLLARS } },
    });
    expect(res.status, res.text).toBe(201);
    await answers("dollar-image", `hello: ${DOLLARS}\n`);
  });

  it("redeploy envVars (cloud runtime API) reach the new process exactly as sent", async () => {
    const id = (await api("GET", "/api/deployments/status?name=dollar-app")).status === 200;
    expect(id).toBe(true);
    const list = await api<{ deployments: { id: string; name: string }[] }>(
      "GET",
      "/api/cloud-saas/deployments",
    );
    const dep = list.body.deployments.find((d) => d.name === "dollar-app")!;
    const res = await api("POST", `/api/cloud-saas/deployments/${dep.id}/redeploy`, {
      body: { envVars: { GREETING: `${DOLLARS}-redeployed` } },
    });
    expect(res.status, res.text).toBe(200);
    await answers("dollar-app", `hello: ${DOLLARS}-redeployed\n`);
  });
});

describe("an agent's spec and the environment of its deployment", () => {
  it("expands only what the author wrote; the user's values are inserted literally", async () => {
    const agent = await api<{ id: string }>("POST", "/api/agents", {
      body: {
        name: "printer",
        spec: {
          name: "printer",
          command: "node",
          args: ["-e", ENV_PRINTER, "$(API_TOKEN)", "--port=$(PORT)", "$$(PORT)"],
          env: {
            AUTHOR_URL: "http://127.0.0.1:$(PORT)/",
            AUTHOR_LITERAL: "$$(HOME)",
            WRAPPED: "<$(API_TOKEN)>",
          },
          port: 8080,
        },
      },
    });
    expect(agent.status, agent.text).toBe(201);
    const token = "tok-$(HOME)-$$-$(PORT)";
    const dep = await api<{ id: string; name: string }>("POST", "/deployments", {
      body: { agent_id: agent.body.id, environment: { API_TOKEN: token, USER_REF: "$(PATH)" } },
    });
    expect(dep.status, dep.text).toBe(201);
    const { argv, env } = await printed(dep.body.name);
    const port = env.PORT!;
    expect(port).toMatch(/^\d+$/);
    expect(argv.slice(-3)).toEqual([token, `--port=${port}`, "$(PORT)"]);
    expect(env.API_TOKEN).toBe(token);
    expect(env.USER_REF).toBe("$(PATH)");
    expect(env.AUTHOR_URL).toBe(`http://127.0.0.1:${port}/`);
    expect(env.AUTHOR_LITERAL).toBe("$(HOME)");
    expect(env.WRAPPED).toBe(`<${token}>`);
    expect(env.HOME).not.toContain("$");
  });
});

describe("vault secrets of a scheduled session", () => {
  it("reach the session byte for byte", async () => {
    const secret = "vault-$(HOME)-$$-s3cret";
    const vault = await api("POST", "/api/v1/cloud/vaults", {
      body: { name: "dollars", secrets: { API_TOKEN: secret } },
    });
    expect(vault.status, vault.text).toBe(200);
    const env = await api("POST", "/api/v1/cloud/environments", { body: { name: "values" } });
    const agent = await api<{ id: string }>("POST", "/api/agents", {
      body: {
        name: "hasher",
        spec: {
          name: "hasher",
          command: "node",
          args: [
            "-e",
            "console.log('sha=' + require('node:crypto').createHash('sha256').update(process.env.API_TOKEN).digest('hex'))",
          ],
        },
      },
    });
    const schedule = await api("POST", "/api/v1/cloud/deployments", {
      body: {
        agent: { id: agent.body.id, type: "agent" },
        environment_id: env.body.id,
        name: "hash",
        schedule: { type: "cron", expression: "0 0 1 1 *", timezone: "UTC" },
        vault_ids: [vault.body.id],
      },
    });
    expect(schedule.status, schedule.text).toBe(200);
    await api("POST", `/api/v1/cloud/deployments/${schedule.body.id}/run`);
    const run = await waitFor(async () => {
      const runs = await api("GET", `/api/v1/cloud/deployments/${schedule.body.id}/runs`);
      const r = runs.body.data[0];
      return r && r.status !== "pending" && r.status !== "running" ? r : undefined;
    }, "the session run");
    expect(run.status, run.error).toBe("completed");
    expect(run.output).toBe(`sha=${createHash("sha256").update(secret).digest("hex")}\n`);
  });
});

describe("values a process environment cannot carry are refused at the API", () => {
  const nul = "before\u0000after-hidden-value";
  const cases: { what: string; env: Record<string, string>; message: RegExp }[] = [
    { what: "a NUL byte in a value", env: { API_TOKEN: nul }, message: /NUL/ },
    { what: "a name with =", env: { "A=B": "x" }, message: /valid environment variable name/ },
    { what: "an invalid name", env: { "1BAD": "x" }, message: /valid environment variable name/ },
    { what: "an empty name", env: { "": "x" }, message: /valid environment variable name/ },
    { what: "a name berth sets itself", env: { HOME: "/elsewhere" }, message: /set by berth/ },
    {
      what: "more than a process environment holds",
      env: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`BIG_${i}`, "x".repeat(30_000)])),
      message: /KiB/,
    },
  ];

  let agentId: string;
  let cloudId: string;
  let vaultCount: number;
  beforeAll(async () => {
    agentId = (
      await api("POST", "/api/agents", {
        body: { name: "a", spec: { name: "agent", image: "berth/counter-agent", port: 8080 } },
      })
    ).body.id;
    const list = await api("GET", "/api/cloud-saas/deployments");
    cloudId = list.body.deployments.find((d: { name: string }) => d.name === "dollar-image").id;
    vaultCount = (await api("GET", "/api/v1/cloud/vaults")).body.data.length;
  });

  describe.each(cases)("$what", ({ env, message }) => {
    it("POST /api/deployments envVars: 400 {error}", async () => {
      const res = await api("POST", "/api/deployments", {
        body: { template: "hello", name: "never-created", envVars: env },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
      expect(res.text).not.toContain("hidden-value");
      expect((await api("GET", "/api/deployments/status?name=never-created")).status).toBe(404);
    });

    it("POST /api/deployments/deploy-image envVars: 400 {error}", async () => {
      const res = await api("POST", "/api/deployments/deploy-image", {
        body: { image: "berth/hello", name: "never-created", envVars: env },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
    });

    it("PUT /api/deployments/config configData: 400 {error}, config unchanged", async () => {
      const res = await api("PUT", "/api/deployments/config", {
        body: { deployment_name: "dollar-image", configData: env },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(message);
      expect(res.text).not.toContain("hidden-value");
      const config = await api("GET", "/api/deployments/config?name=dollar-image");
      expect(config.body.configData).toEqual({ GREETING: DOLLARS });
    });

    it("POST /deployments environment: 422 {detail: [...]}", async () => {
      const before = (await api("GET", "/deployments")).body.length;
      const res = await api("POST", "/deployments", { body: { agent_id: agentId, environment: env } });
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ loc: expect.arrayContaining(["body", "environment"]) });
      expect(JSON.stringify(res.body.detail)).toMatch(message);
      expect(res.text).not.toContain("hidden-value");
      expect((await api("GET", "/deployments")).body.length).toBe(before);
    });

    it("POST /agents/{id}/deploy environment: 422 {detail: [...]}", async () => {
      const res = await api("POST", `/agents/${agentId}/deploy`, { body: { environment: env } });
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.body.detail)).toMatch(message);
    });

    it("POST /api/cloud-saas/deployments/{id}/redeploy envVars: 400 {ok: false}", async () => {
      const res = await api("POST", `/api/cloud-saas/deployments/${cloudId}/redeploy`, {
        body: { envVars: env },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ ok: false, error: expect.stringMatching(message) });
      expect(res.text).not.toContain("hidden-value");
    });

    it("POST /api/v1/cloud/vaults secrets: 400 invalid_request_error", async () => {
      const res = await api("POST", "/api/v1/cloud/vaults", { body: { name: "bad", secrets: env } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        type: "error",
        error: { type: "invalid_request_error", message: expect.stringMatching(message) },
      });
      expect(res.text).not.toContain("hidden-value");
      expect((await api("GET", "/api/v1/cloud/vaults")).body.data.length).toBe(vaultCount);
    });
  });

  it("refuses a NUL byte in an author's args or env (policy of every runnable config)", async () => {
    const res = await api("POST", "/api/agents", {
      body: { name: "a", spec: { name: "agent", command: "node", args: ["-e", "x\u0000hidden-value"] } },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/NUL/);
    expect(res.text).not.toContain("hidden-value");
    const env = await api("POST", "/api/templates", {
      body: {
        slug: "nul-env",
        config: { workloads: [{ name: "web", image: "berth/hello", env: { A: "\u0000hidden-value" } }] },
      },
    });
    expect(env.status).toBe(400);
    expect(env.body.error).toMatch(/NUL/);
  });
});

describe("the API docs", () => {
  it("say where $(VAR) is expanded and that supplied values are passed byte for byte", async () => {
    const doc = await (await fetch(`${t.url}/openapi.json`)).json();
    for (const [path, method] of <[string, string][]>[
      ["/api/deployments", "post"],
      ["/api/deployments/deploy-image", "post"],
      ["/api/deployments/config", "put"],
      ["/deployments", "post"],
      ["/agents/{agent_id}/deploy", "post"],
      ["/api/cloud-saas/deployments/{id}/redeploy", "post"],
      ["/api/v1/cloud/vaults", "post"],
    ])
      expect(doc.paths[path][method].description, `${method} ${path}`).toMatch(/byte for byte/);
    for (const [path, method] of <[string, string][]>[
      ["/api/agents", "post"],
      ["/api/templates", "post"],
      ["/api/templates/{slug}/revisions", "post"],
      ["/api/cloud-saas/deployments/{id}/redeploy", "post"],
    ])
      expect(doc.paths[path][method].description, `${method} ${path}`).toMatch(/\$\(NAME\)/);
  });
});
