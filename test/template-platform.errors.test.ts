/** Seed 004's documented errors: 400, 403 (tier limit), 404, 409, 422, and the form-POST redirect. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiClient,
  type ApiClient,
  type TestBerth,
  waitFor,
  startWithTeam,
  teamWithKey,
} from "./support/berth.js";

let t: TestBerth;
let api: ApiClient;

beforeAll(async () => {
  ({ t, api } = await startWithTeam());
});
afterAll(async () => {
  await t?.close();
});

const expectError = (res: { status: number; body: unknown }, status: number, text?: RegExp) => {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ error: expect.any(String) });
  if (text) expect((res.body as { error: string }).error).toMatch(text);
};

describe("create", () => {
  it("404 for an unknown template", async () => {
    expectError(
      await api("POST", "/api/deployments", { body: { template: "no-such-template" } }),
      404,
      /template/,
    );
  });

  it("400 for a missing template, a bad visibility or bad env names", async () => {
    expectError(await api("POST", "/api/deployments", { body: {} }), 400, /template/);
    expectError(
      await api("POST", "/api/deployments", { body: { template: "hello", visibility: "secret" } }),
      400,
      /visibility/,
    );
    expectError(
      await api("POST", "/api/deployments", { body: { template: "hello", envVars: { "1BAD": "x" } } }),
      400,
      /envVars/,
    );
    expectError(
      await api("POST", "/api/deployments", { body: { template: "hello", envVars: { A: 1 } } }),
      400,
    );
  });

  it("400 when a required env var of the template is missing", async () => {
    const tpl = await api("POST", "/api/templates", {
      body: {
        slug: "needs-key",
        config: {
          workloads: [{ name: "web", image: "berth/hello", port: 8080 }],
          envVars: [{ name: "LICENSE_KEY", required: true, secret: true }],
        },
      },
    });
    expect(tpl.status).toBe(201);
    expectError(
      await api("POST", "/api/deployments", { body: { template: "needs-key" } }),
      400,
      /LICENSE_KEY/,
    );
  });

  it("409 when the name is taken", async () => {
    const first = await api("POST", "/api/deployments/deploy-image", {
      body: { image: "berth/hello", name: "taken-name" },
    });
    expect(first.status).toBe(201);
    expectError(
      await api("POST", "/api/deployments/deploy-image", {
        body: { image: "berth/hello", name: "taken-name" },
      }),
      409,
      /exists/,
    );
    expectError(
      await api("POST", "/api/deployments", { body: { template: "hello", name: "taken-name" } }),
      409,
    );
  });

  it("403 past the tier limit (free: 1 live deployment)", async () => {
    const free = apiClient(t.url, (await teamWithKey(t.api, undefined, "free")).key);
    expect((await free("POST", "/api/deployments", { body: { template: "hello" } })).status).toBe(201);
    expectError(await free("POST", "/api/deployments", { body: { template: "hello" } }), 403, /limit/);
    expectError(
      await free("POST", "/api/deployments/deploy-image", { body: { image: "berth/hello" } }),
      403,
      /limit/,
    );
    const status = await free<{ name: string }[]>("GET", "/api/deployments");
    const s = await free("GET", `/api/deployments/status?name=${status.body[0]!.name}`);
    expect(s.body).toMatchObject({ allowRequest: false });
  });
});

describe("deploy-image", () => {
  it("201 for an image of the local image table, with containerPort and envVars", async () => {
    const res = await api<{ name: string; image: string; status: string }>(
      "POST",
      "/api/deployments/deploy-image",
      {
        body: {
          image: "berth/hello:latest",
          containerPort: 3000,
          envVars: { GREETING: "image" },
          visibility: "internal",
        },
      },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      image: "berth/hello:latest",
      status: "Pending",
      visibility: "internal",
      ingresses: [],
    });
    await waitFor(async () => {
      const s = await api<{ deploymentReady: boolean; ingresses: unknown[] }>(
        "GET",
        `/api/deployments/status?name=${res.body.name}`,
      );
      return s.body.deploymentReady && s.body.ingresses.length === 0;
    }, "internal deployment ready without ingress");
  });

  it("422 naming the runtime that can run an unknown image", async () => {
    expectError(
      await api("POST", "/api/deployments/deploy-image", { body: { image: "nginx:latest" } }),
      422,
      /kubernetes/,
    );
  });

  it("400 for a bad custom name or port", async () => {
    expectError(
      await api("POST", "/api/deployments/deploy-image", {
        body: { image: "berth/hello", name: "Bad_Name" },
      }),
      400,
    );
    expectError(
      await api("POST", "/api/deployments/deploy-image", {
        body: { image: "berth/hello", containerPort: 70000 },
      }),
      400,
    );
  });
});

describe("name-addressed routes", () => {
  const unknown = "zzzzzzzzzz";
  it.each([
    ["GET", `/api/deployments/status?name=${unknown}`],
    ["GET", `/api/deployments/config?name=${unknown}`],
    ["GET", `/api/deployments/auto-update?name=${unknown}`],
    ["GET", `/api/deployments/${unknown}/logs`],
    ["GET", `/api/deployments/${unknown}/logs/stream`],
    ["GET", `/api/deployments/${unknown}/metrics`],
    ["GET", `/api/deployments/${unknown}/history`],
    ["GET", `/api/deployments/${unknown}/events`],
  ])("404 for %s %s", async (method, path) => {
    expectError(await api(method, path), 404, /not found/);
  });

  it.each([
    ["POST", "/api/deployments/delete"],
    ["POST", "/api/deployments/restart"],
  ])("404 for %s %s of an unknown name", async (method, path) => {
    expectError(await api(method, path, { body: { deployment_name: unknown } }), 404);
  });

  it("400 when the name is missing", async () => {
    expectError(await api("GET", "/api/deployments/status"), 400, /name/);
    expectError(await api("POST", "/api/deployments/restart", { body: {} }), 400, /deployment_name/);
    expectError(
      await api("PUT", "/api/deployments/config", { body: { deployment_name: "x" } }),
      400,
      /configData/,
    );
    expectError(
      await api("PUT", "/api/deployments/auto-update", { body: { deployment_name: "x" } }),
      400,
      /enabled/,
    );
  });

  it("400 for bad log parameters, 404 for an unknown service", async () => {
    const d = await api<{ name: string }>("POST", "/api/deployments", { body: { template: "hello" } });
    expectError(await api("GET", `/api/deployments/${d.body.name}/logs?tail=-1`), 400, /tail/);
    expectError(await api("GET", `/api/deployments/${d.body.name}/logs?follow=maybe`), 400, /follow/);
    expectError(await api("GET", `/api/deployments/${d.body.name}/logs?service=nope`), 404, /service/);
    expectError(
      await api("PUT", "/api/deployments/auto-update", {
        body: { deployment_name: d.body.name, enabled: true, strategy: "blue-green" },
      }),
      400,
    );
  });
});

describe("delete", () => {
  it("redirects a form POST and answers JSON to JSON", async () => {
    const d = await api<{ name: string }>("POST", "/api/deployments", { body: { template: "hello" } });
    const form = await api("POST", "/api/deployments/delete", {
      rawBody: `deployment_name=${d.body.name}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/dashboard/deployments");
    await waitFor(
      async () => (await api("GET", `/api/deployments/status?name=${d.body.name}`)).status === 404,
      "deleted",
    );
  });

  it("records creation and deletion as billing events", async () => {
    const team = await teamWithKey(t.api);
    const as = apiClient(t.url, team.key);
    const d = await as<{ name: string; id: string }>("POST", "/api/deployments", {
      body: { template: "hello" },
    });
    await as("POST", "/api/deployments/delete", { body: { deployment_name: d.body.name } });
    const billing = await as<{ events: { type: string; deploymentId: string | null }[] }>(
      "GET",
      `/api/teams/${team.teamId}/billing-events`,
    );
    expect(billing.body.events.map((e) => e.type)).toEqual([
      "deployment.deleted",
      "deployment.created",
      "team.tier_set",
    ]);
  });
});
