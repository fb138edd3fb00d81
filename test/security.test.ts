/**
 * The shared security suite, applied to every authenticated route of the /api surfaces:
 * 401 without or with an unknown key, 403 without the route's scope, 404 for another team's object.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiRoutes, createFixture, errorBody, errorMessage, type Fixture } from "./support/routes.js";
import { apiClient, startTestBerth, type TestBerth, teamWithKey } from "./support/berth.js";

const ALL = ["deployments:read", "deployments:write", "templates:read", "templates:write", "agents:write"];

let t: TestBerth;
let fixture: Fixture;
let ownerKey: string;
let otherKey: string;
const keysWithout = new Map<string, string>();

beforeAll(async () => {
  t = await startTestBerth();
  const owner = await teamWithKey(t.api, ALL);
  const other = await teamWithKey(t.api, ALL);
  ownerKey = owner.key;
  otherKey = other.key;
  fixture = await createFixture(apiClient(t.url, ownerKey), owner.teamId);
  for (const scope of [...ALL, "admin"]) {
    const k = await t.api<{ key: string }>("POST", "/api/keys", {
      body: { name: `without ${scope}`, teamId: owner.teamId, scopes: ALL.filter((s) => s !== scope) },
    });
    keysWithout.set(scope, k.body.key);
  }
});

afterAll(async () => {
  await t?.close();
});

describe.each(apiRoutes)("$method $route", (route) => {
  const call = (token: string | null) => {
    const api = apiClient(t.url, "");
    return api(route.method, route.path(fixture), { token, body: route.body?.(fixture) });
  };

  it("answers 401 without a key", async () => {
    const res = await call(null);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject(errorBody(route));
  });

  it("answers 401 for an unknown key", async () => {
    const res = await call("berth_not-a-real-key-000000000000");
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toContain("berth_not-a-real-key");
  });

  if (route.scope) {
    it(`answers 403 without the ${route.scope} scope`, async () => {
      const res = await call(keysWithout.get(route.scope!)!);
      expect(res.status).toBe(403);
      expect(errorMessage(route, res.body)).toContain(route.scope!);
    });
  }

  if (route.owned) {
    it("answers 404 for another team's object", async () => {
      const res = await call(otherKey);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject(errorBody(route));
    });
  }
});

describe("tenancy in lists", () => {
  it("does not list another team's deployments, agents or templates", async () => {
    const other = apiClient(t.url, otherKey);
    const deployments = await other<{ name: string }[]>("GET", "/api/deployments");
    expect(deployments.status).toBe(200);
    expect(deployments.body.map((d) => d.name)).not.toContain(fixture.deploymentName);
    const filtered = await other<unknown[]>("GET", `/api/deployments?team_id=${fixture.teamId}`);
    expect(filtered.body).toEqual([]);
    const agents = await other<{ agents: { id: string }[] }>("GET", "/api/agents");
    expect(agents.body.agents.map((a) => a.id)).not.toContain(fixture.agentId);
    const templates = await other<{ templates: { slug: string }[] }>("GET", "/api/templates");
    expect(templates.body.templates.map((x) => x.slug)).not.toContain(fixture.templateSlug);
    expect(templates.body.templates.map((x) => x.slug)).toContain("hello");
  });

  it("lets the owner's key see its own deployment", async () => {
    const own = apiClient(t.url, ownerKey);
    const list = await own<{ name: string }[]>("GET", "/api/deployments");
    expect(list.body.map((d) => d.name)).toContain(fixture.deploymentName);
  });
});
