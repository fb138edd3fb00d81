/**
 * Per-team registry logins on the container runtime, against a registry that refuses anonymous
 * pulls (htpasswd auth): team A stores its login and runs its private image; team B, without one,
 * gets `failed` with the registry's refusal as the reason, even though the engine already holds the
 * image team A pulled. The password appears in no API response, event or log line of berth.
 */
import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
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
import {
  buildAndPush,
  type ContainerHost,
  httpdImage,
  startContainerHost,
} from "./support/container-host.js";

const PASSWORD = `pw-${randomBytes(16).toString("hex")}`;
const login = { username: "team-a-bot", password: PASSWORD };

let host: ContainerHost;
let registry: string;
let privateRef: string;
let t: TestBerth;
let teamA: ApiClient;
let teamB: ApiClient;
const logLines: string[] = [];
const answers: string[] = [];

/** An API client keeping every answer's text for the final scan. */
const recording =
  (base: ApiClient): ApiClient =>
  async (method, path, opts) => {
    const res = await base(method, path, opts);
    answers.push(res.text);
    return res as ApiResponse<never>;
  };

beforeAll(async () => {
  host = await startContainerHost({ login });
  registry = host.privateRegistry!;
  privateRef = await buildAndPush(host, httpdImage("team-a/private", "team A's private page\n"), {
    registry,
    creds: `${login.username}:${login.password}`,
  });
  const sink = new Writable({
    write(chunk, _e, cb) {
      logLines.push(String(chunk));
      cb();
    },
  });
  t = await startTestBerth(
    { BERTH_RUNTIME: "container", DOCKER_HOST: host.dockerHost },
    { logger: pino({ level: "trace" }, sink) },
  );
  teamA = recording(apiClient(t.url, (await teamWithKey(t.api)).key));
  teamB = recording(apiClient(t.url, (await teamWithKey(t.api)).key));
}, 240_000);

afterAll(async () => {
  await t?.close();
  await host?.close();
}, 120_000);

const statusOf = (as: ApiClient, name: string) =>
  as<{ status: string; statusMessage?: string }>("GET", `/api/deployments/status?name=${name}`);

it("stores a team's login write-only: the answer, the list and a read show the registry and username", async () => {
  const put = await teamA("PUT", `/api/registry-credentials/${registry}`, { body: login });
  expect(put.status, put.text).toBe(200);
  const view = {
    registry,
    username: login.username,
    createdAt: expect.any(String),
    updatedAt: expect.any(String),
  };
  expect(put.body).toEqual(view);
  expect((await teamA("GET", "/api/registry-credentials")).body).toEqual({ credentials: [view] });
  expect((await teamA("GET", `/api/registry-credentials/${registry}`)).body).toEqual(view);
  // another team sees none of it
  expect((await teamB("GET", "/api/registry-credentials")).body).toEqual({ credentials: [] });
  expect((await teamB("GET", `/api/registry-credentials/${registry}`)).status).toBe(404);
  expect((await teamB("DELETE", `/api/registry-credentials/${registry}`)).status).toBe(404);
  // bad input changes nothing
  for (const bad of ["not a host", "-bad-.example", "a".repeat(300)]) {
    const res = await teamA("PUT", `/api/registry-credentials/${encodeURIComponent(bad)}`, { body: login });
    // fastify itself answers an over-long path parameter with 414, in the same envelope
    expect([400, 414], res.text).toContain(res.status);
    expect(res.body).toMatchObject({ error: expect.any(String) });
  }
  const noPassword = await teamA("PUT", `/api/registry-credentials/${registry}`, {
    body: { username: "x", password: "" },
  });
  expect(noPassword.status).toBe(400);
  expect((await teamA("GET", `/api/registry-credentials/${registry}`)).body).toEqual(view);
});

it("pulls team A's private image with its login: ready and served through the ingress", async () => {
  const res = await teamA("POST", "/api/deployments/deploy-image", {
    body: { image: privateRef, name: "secret-site" },
  });
  expect(res.status, res.text).toBe(201);
  await waitFor(
    async () => {
      const s = await statusOf(teamA, "secret-site");
      if (s.body.status === "Error") throw new Error(`failed: ${s.text}`);
      return s.body.status === "Ready";
    },
    "team A's deployment ready",
    120_000,
    200,
  );
  const page = await waitFor(
    async () => {
      const r = await viaIngress(t.url, "secret-site.localhost", "/");
      return r.status === 200 && r.text;
    },
    "team A's page",
    60_000,
    200,
  );
  expect(page).toBe("team A's private page\n");
});

it("refuses the same image to team B, which has no login: failed, with the registry's refusal as reason", async () => {
  const res = await teamB("POST", "/api/deployments/deploy-image", {
    body: { image: privateRef, name: "copycat" },
  });
  expect(res.status, res.text).toBe(201);
  const s = await waitFor(
    async () => {
      const r = await statusOf(teamB, "copycat");
      if (r.body.status === "Ready") throw new Error("team B runs team A's private image");
      return r.body.status === "Error" && r.body;
    },
    "team B's deployment failed",
    60_000,
    200,
  );
  expect(s.statusMessage).toContain(`image ${privateRef} could not be pulled`);
  expect(s.statusMessage).toMatch(/unauthorized|authentication required|401/i);
  expect((await teamB("GET", "/api/deployments/copycat/events")).text).toContain("could not be pulled");
});

it("deletes a login: later reads are 404", async () => {
  expect((await teamA("DELETE", `/api/registry-credentials/${registry}`)).status).toBe(204);
  expect((await teamA("GET", `/api/registry-credentials/${registry}`)).status).toBe(404);
  expect((await teamA("GET", "/api/registry-credentials")).body).toEqual({ credentials: [] });
});

it("never shows the password: no API answer, event or log line holds it", async () => {
  for (const as of [teamA, teamB]) {
    for (const name of ["secret-site", "copycat"]) {
      await as("GET", `/api/deployments/${name}/events`);
      await as("GET", `/api/deployments/${name}/logs?tail=200`);
      await statusOf(as, name);
    }
  }
  expect(answers.length).toBeGreaterThan(20);
  expect(logLines.length).toBeGreaterThan(10);
  const fragment = PASSWORD.slice(3, 19);
  expect(answers.filter((a) => a.includes(fragment))).toEqual([]);
  expect(logLines.filter((l) => l.includes(fragment))).toEqual([]);
});
