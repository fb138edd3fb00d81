/**
 * Hostile input to every /api route: malformed JSON, wrong types, unknown fields, huge values, odd
 * paths and query strings. Nothing a client sends may produce a 500, change state on error, or
 * reveal a secret (env var values, API keys) in a response or a log line.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes, createFixture, errorBody, type Fixture } from "./support/routes.js";
import { apiClient, type ApiClient, startTestBerth, type TestBerth, teamWithKey } from "./support/berth.js";

const SECRET = "sup3r-s3cret-value-9f8e7d";
const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, cb) {
    logLines.push(String(chunk));
    cb();
  },
});

let t: TestBerth;
let api: ApiClient;
let fixture: Fixture;
let ownerKey: string;
const seen: string[] = [];

beforeAll(async () => {
  t = await startTestBerth({}, { logger: pino({ level: "debug" }, sink) });
  const owner = await teamWithKey(t.api);
  ownerKey = owner.key;
  api = apiClient(t.url, ownerKey);
  fixture = await createFixture(api, owner.teamId, { GREETING: "fuzz", SERVICE_TOKEN: SECRET });
});

afterAll(async () => {
  await t?.close();
  const logs = logLines.join("");
  expect(logs).not.toContain(SECRET);
  expect(logs).not.toContain(ownerKey);
  expect(logs).not.toContain(t.adminToken);
  for (const text of seen) expect(text).not.toContain(SECRET);
});

function wrongTypes(body: unknown): unknown[] {
  if (!body || typeof body !== "object" || Array.isArray(body)) return [];
  const out: unknown[] = [];
  for (const k of Object.keys(body)) {
    for (const v of [123, true, null, [], {}, "x".repeat(300_000), -1, 1e308]) out.push({ ...body, [k]: v });
  }
  return out;
}

const bodyRoutes = apiRoutes.filter((r) => r.body !== undefined);

describe.each(bodyRoutes)("$method $route with a hostile body", (route) => {
  const send = async (rawBody: string, contentType = "application/json") => {
    const token = route.scope === "admin" ? t.adminToken : ownerKey;
    const res = await apiClient(t.url, token)(route.method, route.path(fixture), {
      rawBody,
      headers: { "content-type": contentType },
    });
    seen.push(res.text);
    expect(res.status, `${route.method} ${route.route} ${rawBody.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).toMatchObject(errorBody(route));
    return res;
  };

  it("refuses malformed JSON and non-object bodies with 4xx", async () => {
    const bodies = ["{", "not json", "[]", "null", '"str"', "123", '{"a":'.repeat(50)];
    for (const raw of bodies.filter((b) => !(route.bodyOptional && b === "null"))) await send(raw);
  });

  it("refuses unknown fields", async () => {
    const res = await send(JSON.stringify({ ...(route.body!(fixture) as object), unexpectedField: "x" }));
    expect(res.status).toBe(route.envelope === "detail" ? 422 : 400);
  });

  it("refuses wrong types and huge values", async () => {
    for (const b of wrongTypes(route.body!(fixture))) {
      const res = await apiClient(t.url, route.scope === "admin" ? t.adminToken : ownerKey)(
        route.method,
        route.path(fixture),
        { body: b },
      );
      seen.push(res.text);
      expect(res.status, JSON.stringify(b).slice(0, 120)).toBeLessThan(500);
      if (res.status >= 400) expect(res.body).toMatchObject(errorBody(route));
    }
  });

  it("refuses a body over the size limit with 413", async () => {
    const res = await send(JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
  });

  it("refuses an unsupported media type with 415", async () => {
    const res = await send("<xml/>", "application/xml");
    expect(res.status).toBe(415);
  });
});

describe("hostile paths and query strings", () => {
  const paths = [
    "/api/deployments/status?name=",
    `/api/deployments/status?name=${"a".repeat(5000)}`,
    "/api/deployments/status?name=%00",
    "/api/deployments/status?name=..%2F..%2Fetc",
    "/api/deployments/status?name=x&name=y",
    "/api/deployments/status?name=x&extra=1",
    "/api/deployments?team_id[$ne]=1",
    `/api/deployments/${"b".repeat(500)}/logs`,
    "/api/deployments/%E2%98%83/logs?tail=abc",
    "/api/deployments/x/logs?tail=99999999999999999999",
    "/api/deployments/x/metrics?service=%00",
    "/api/templates/..%2F..",
    "/api/agents/%27%20OR%201%3D1",
    "/api/teams/%3Cscript%3E",
    "/api/nope",
  ];
  it.each(paths)("GET %s answers 4xx with an error body", async (p) => {
    const res = await api("GET", p);
    seen.push(res.text);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body).toMatchObject({ error: expect.any(String) });
  });

  it("refuses malformed Authorization headers with 401", async () => {
    for (const h of ["Bearer", "Basic abc", "Bearer a b", `Bearer ${"x".repeat(10_000)}`, "bearer\u0000x"]) {
      const res = await fetch(`${t.url}/api/me`, { headers: { authorization: h } }).catch(() => undefined);
      if (res) expect(res.status).toBe(401);
    }
  });
});

describe("secrets stay secret", () => {
  it("never returns a secret env value from lists, status, config or errors", async () => {
    for (const p of [
      "/api/deployments",
      `/api/deployments/status?name=${fixture.deploymentName}`,
      `/api/deployments/config?name=${fixture.deploymentName}`,
      `/api/deployments/${fixture.deploymentName}/history`,
      `/api/deployments/${fixture.deploymentName}/events`,
      "/api/keys",
    ]) {
      const res = await api("GET", p);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toContain(ownerKey);
    }
  });

  it("changes nothing when a request fails validation", async () => {
    const before = await api("GET", `/api/deployments/config?name=${fixture.deploymentName}`);
    await api("PUT", "/api/deployments/config", {
      body: { deployment_name: fixture.deploymentName, configData: { "BAD NAME": "x" } },
    });
    const after = await api("GET", `/api/deployments/config?name=${fixture.deploymentName}`);
    expect(after.body).toEqual(before.body);
  });
});
