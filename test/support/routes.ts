/**
 * Every authenticated route of the /api surfaces with the scope it needs and how to address an
 * object of a given team. Drives the shared security suite and the malformed-input suite; the
 * OpenAPI test checks that this table and the served document list the same routes.
 */
import { expect } from "vitest";
import type { ApiClient } from "./berth.js";

export interface Fixture {
  /** A deployment of the owning team. */
  deploymentName: string;
  deploymentId: string;
  teamId: string;
  templateSlug: string;
  agentId: string;
  keyId: string;
  /** A deployment of the agent, addressed by id on the agent deployments API. */
  agentDeploymentId: string;
  /** A scheduled deployment (`dep_…`), its environment and a vault. */
  scheduleId: string;
  environmentId: string;
  vaultId: string;
  /** A registry the owning team stored a login for (host:port). */
  registry: string;
}

export interface RouteCase {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI-style path, e.g. /api/deployments/{name}/logs */
  route: string;
  path: (f: Fixture) => string;
  body?: (f: Fixture) => unknown;
  /** Scope whose absence gives 403; null when any valid key may call it. */
  scope: string | null;
  /** True when the route addresses one object of a team, so another team gets 404. */
  owned: boolean;
  /** Routes whose success would change the fixture for later cases. */
  mutates?: boolean;
  /** The body may be left out (an empty or JSON `null` body is accepted). */
  bodyOptional?: boolean;
  /** The surface's error envelope: `{error}` (/api) or FastAPI's `{detail}` (agent deployments). */
  envelope?: "error" | "detail" | "typed";
}

const q = encodeURIComponent;

/** What an error body of the route's surface looks like. */
export const errorBody = (r: RouteCase) =>
  r.envelope === "detail"
    ? { detail: expect.anything() }
    : r.envelope === "typed"
      ? { type: "error", error: { type: expect.any(String), message: expect.any(String) } }
      : { error: expect.any(String) };

/** The human-readable message of an error body of the route's surface. */
export const errorMessage = (r: RouteCase, body: { detail?: unknown; error?: unknown }): string =>
  String(
    r.envelope === "detail"
      ? body.detail
      : r.envelope === "typed"
        ? (body.error as { message: string }).message
        : body.error,
  );

/** Creates one object of each kind the route table addresses, owned by the given key's team. */
export async function createFixture(
  as: ApiClient,
  teamId: string,
  envVars: Record<string, string> = {},
): Promise<Fixture> {
  const dep = await as<{ id: string; name: string }>("POST", "/api/deployments", {
    body: { template: "hello", envVars },
  });
  const tpl = await as<{ slug: string }>("POST", "/api/templates", {
    body: {
      slug: `fixture-${teamId.slice(-8)}`,
      config: { workloads: [{ name: "web", image: "berth/hello", port: 8080 }] },
    },
  });
  const agent = await as<{ id: string }>("POST", "/api/agents", {
    body: { name: "agent", spec: { name: "agent", image: "berth/counter-agent", port: 8080 } },
  });
  const spare = await as<{ id: string }>("POST", "/api/keys", {
    body: { name: "spare", scopes: ["deployments:read"] },
  });
  const agentDep = await as<{ id: string }>("POST", "/deployments", { body: { agent_id: agent.body.id } });
  const env = await as<{ id: string }>("POST", "/api/v1/cloud/environments", { body: { name: "fixture" } });
  const vault = await as<{ id: string }>("POST", "/api/v1/cloud/vaults", {
    body: { name: "fixture", secrets: { TOKEN: "x-secret-x" } },
  });
  const schedule = await as<{ id: string }>("POST", "/api/v1/cloud/deployments", {
    body: {
      agent: { id: agent.body.id, type: "agent" },
      environment_id: env.body.id,
      name: "fixture",
      schedule: { type: "cron", expression: "0 0 1 1 *", timezone: "UTC" },
      vault_ids: [vault.body.id],
    },
  });
  const registry = "registry.example.com:5000";
  const login = await as("PUT", `/api/registry-credentials/${registry}`, {
    body: { username: "fixture", password: "fixture-password" },
  });
  const statuses = [
    login.status,
    dep.status,
    tpl.status,
    agent.status,
    spare.status,
    agentDep.status,
    env.status,
    vault.status,
    schedule.status,
  ];
  if (statuses.some((s) => s !== 201 && s !== 200))
    throw new Error(`fixture creation failed: ${statuses.join(", ")}`);
  return {
    deploymentName: dep.body.name,
    deploymentId: dep.body.id,
    teamId,
    templateSlug: tpl.body.slug,
    agentId: agent.body.id,
    keyId: spare.body.id,
    agentDeploymentId: agentDep.body.id,
    scheduleId: schedule.body.id,
    environmentId: env.body.id,
    vaultId: vault.body.id,
    registry,
  };
}

export const apiRoutes: RouteCase[] = [
  { method: "GET", route: "/api/me", path: () => "/api/me", scope: null, owned: false },
  {
    method: "GET",
    route: "/api/registry-credentials",
    path: () => "/api/registry-credentials",
    scope: "deployments:read",
    owned: false,
  },
  {
    method: "PUT",
    route: "/api/registry-credentials/{registry}",
    path: (f) => `/api/registry-credentials/${f.registry}`,
    body: () => ({ username: "fixture", password: "fixture-password" }),
    scope: "deployments:write",
    owned: false,
  },
  {
    method: "GET",
    route: "/api/registry-credentials/{registry}",
    path: (f) => `/api/registry-credentials/${f.registry}`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "DELETE",
    route: "/api/registry-credentials/{registry}",
    path: (f) => `/api/registry-credentials/${f.registry}`,
    scope: "deployments:write",
    owned: true,
    mutates: true,
  },
  {
    method: "POST",
    route: "/api/teams",
    path: () => "/api/teams",
    body: () => ({ name: "x", tier: "free" }),
    scope: "admin",
    owned: false,
  },
  { method: "GET", route: "/api/teams", path: () => "/api/teams", scope: null, owned: false },
  {
    method: "GET",
    route: "/api/teams/{teamId}",
    path: (f) => `/api/teams/${f.teamId}`,
    scope: null,
    owned: true,
  },
  {
    method: "PATCH",
    route: "/api/teams/{teamId}",
    path: (f) => `/api/teams/${f.teamId}`,
    body: () => ({ tier: "business" }),
    scope: "admin",
    owned: false,
  },
  {
    method: "GET",
    route: "/api/teams/{teamId}/billing-events",
    path: (f) => `/api/teams/${f.teamId}/billing-events`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/users",
    path: () => "/api/users",
    body: () => ({ email: `u${Date.now()}@example.com`, name: "u" }),
    scope: "admin",
    owned: false,
  },
  { method: "GET", route: "/api/users", path: () => "/api/users", scope: null, owned: false },
  {
    method: "POST",
    route: "/api/keys",
    path: () => "/api/keys",
    body: (f) => ({ name: "k", teamId: f.teamId, scopes: ["admin"] }),
    scope: "admin",
    owned: true,
  },
  { method: "GET", route: "/api/keys", path: () => "/api/keys", scope: null, owned: false },
  {
    method: "DELETE",
    route: "/api/keys/{keyId}",
    path: (f) => `/api/keys/${f.keyId}`,
    scope: null,
    owned: true,
    mutates: true,
  },
  {
    method: "GET",
    route: "/api/templates",
    path: () => "/api/templates",
    scope: "templates:read",
    owned: false,
  },
  {
    method: "POST",
    route: "/api/templates",
    path: () => "/api/templates",
    body: () => ({
      slug: `t-${Date.now()}`,
      config: { workloads: [{ name: "web", image: "berth/hello", port: 8080 }] },
    }),
    scope: "templates:write",
    owned: false,
  },
  {
    method: "GET",
    route: "/api/templates/{slug}",
    path: (f) => `/api/templates/${f.templateSlug}`,
    scope: "templates:read",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/templates/{slug}/revisions",
    path: (f) => `/api/templates/${f.templateSlug}/revisions`,
    body: () => ({ config: { workloads: [{ name: "web", image: "berth/hello", port: 8080 }] } }),
    scope: "templates:write",
    owned: true,
  },
  {
    method: "PUT",
    route: "/api/templates/{slug}/status",
    path: (f) => `/api/templates/${f.templateSlug}/status`,
    body: () => ({ status: "pending" }),
    scope: "templates:write",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/agents",
    path: () => "/api/agents",
    body: () => ({ name: "a", spec: { name: "agent", image: "berth/counter-agent", port: 8080 } }),
    scope: "agents:write",
    owned: false,
  },
  { method: "GET", route: "/api/agents", path: () => "/api/agents", scope: "deployments:read", owned: false },
  {
    method: "GET",
    route: "/api/agents/{agentId}",
    path: (f) => `/api/agents/${f.agentId}`,
    scope: "deployments:read",
    owned: true,
  },

  {
    method: "GET",
    route: "/api/deployments",
    path: () => "/api/deployments",
    scope: "deployments:read",
    owned: false,
  },
  {
    method: "POST",
    route: "/api/deployments",
    path: () => "/api/deployments",
    body: () => ({ template: "hello" }),
    scope: "deployments:write",
    owned: false,
  },
  {
    method: "GET",
    route: "/api/deployments/status",
    path: (f) => `/api/deployments/status?name=${q(f.deploymentName)}`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/deployments/delete",
    path: () => "/api/deployments/delete",
    body: (f) => ({ deployment_name: f.deploymentName }),
    scope: "deployments:write",
    owned: true,
    mutates: true,
  },
  {
    method: "POST",
    route: "/api/deployments/restart",
    path: () => "/api/deployments/restart",
    body: (f) => ({ deployment_name: f.deploymentName }),
    scope: "deployments:write",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/deployments/deploy-image",
    path: () => "/api/deployments/deploy-image",
    body: () => ({ image: "berth/hello" }),
    scope: "deployments:write",
    owned: false,
  },
  {
    method: "GET",
    route: "/api/deployments/config",
    path: (f) => `/api/deployments/config?name=${q(f.deploymentName)}`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "PUT",
    route: "/api/deployments/config",
    path: () => "/api/deployments/config",
    body: (f) => ({ deployment_name: f.deploymentName, configData: { GREETING: "x" } }),
    scope: "deployments:write",
    owned: true,
  },
  {
    method: "GET",
    route: "/api/deployments/auto-update",
    path: (f) => `/api/deployments/auto-update?name=${q(f.deploymentName)}`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "PUT",
    route: "/api/deployments/auto-update",
    path: () => "/api/deployments/auto-update",
    body: (f) => ({ deployment_name: f.deploymentName, enabled: true }),
    scope: "deployments:write",
    owned: true,
  },
  {
    method: "GET",
    route: "/api/deployments/{name}/logs",
    path: (f) => `/api/deployments/${f.deploymentName}/logs`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "GET",
    route: "/api/deployments/{name}/logs/stream",
    path: (f) => `/api/deployments/${f.deploymentName}/logs/stream`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "GET",
    route: "/api/deployments/{name}/metrics",
    path: (f) => `/api/deployments/${f.deploymentName}/metrics`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "GET",
    route: "/api/deployments/{name}/history",
    path: (f) => `/api/deployments/${f.deploymentName}/history`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "GET",
    route: "/api/deployments/{name}/events",
    path: (f) => `/api/deployments/${f.deploymentName}/events`,
    scope: "deployments:read",
    owned: true,
  },

  {
    method: "GET",
    route: "/deployments",
    path: () => "/deployments",
    scope: "deployments:read",
    owned: false,
    envelope: "detail",
  },
  {
    method: "POST",
    route: "/deployments",
    path: () => "/deployments",
    body: (f) => ({ agent_id: f.agentId }),
    scope: "deployments:write",
    owned: true,
    envelope: "detail",
  },
  {
    method: "POST",
    route: "/agents/{agent_id}/deploy",
    path: (f) => `/agents/${f.agentId}/deploy`,
    body: () => ({ replicas: 1 }),
    scope: "deployments:write",
    owned: true,
    envelope: "detail",
    bodyOptional: true,
  },
  {
    method: "GET",
    route: "/deployments/{deployment_id}",
    path: (f) => `/deployments/${f.agentDeploymentId}`,
    scope: "deployments:read",
    owned: true,
    envelope: "detail",
  },
  {
    method: "GET",
    route: "/deployments/{deployment_id}/events",
    path: (f) => `/deployments/${f.agentDeploymentId}/events`,
    scope: "deployments:read",
    owned: true,
    envelope: "detail",
  },
  {
    method: "GET",
    route: "/deployments/{deployment_id}/logs",
    path: (f) => `/deployments/${f.agentDeploymentId}/logs`,
    scope: "deployments:read",
    owned: true,
    envelope: "detail",
  },
  {
    method: "GET",
    route: "/deployments/{deployment_id}/metrics",
    path: (f) => `/deployments/${f.agentDeploymentId}/metrics`,
    scope: "deployments:read",
    owned: true,
    envelope: "detail",
  },
  {
    method: "POST",
    route: "/deployments/{deployment_id}/restart",
    path: (f) => `/deployments/${f.agentDeploymentId}/restart`,
    scope: "deployments:write",
    owned: true,
    envelope: "detail",
  },
  {
    method: "POST",
    route: "/deployments/{deployment_id}/scale",
    path: (f) => `/deployments/${f.agentDeploymentId}/scale`,
    body: () => ({ replicas: 1 }),
    scope: "deployments:write",
    owned: true,
    envelope: "detail",
  },
  {
    method: "DELETE",
    route: "/deployments/{deployment_id}",
    path: (f) => `/deployments/${f.agentDeploymentId}`,
    scope: "deployments:write",
    owned: true,
    envelope: "detail",
    mutates: true,
  },

  {
    method: "GET",
    route: "/api/cloud-saas/deployments",
    path: () => "/api/cloud-saas/deployments",
    scope: "deployments:read",
    owned: false,
  },
  {
    method: "GET",
    route: "/api/cloud-saas/deployments/{id}",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "GET",
    route: "/api/cloud-saas/deployments/{id}/manifest",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/manifest`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/cloud-saas/deployments/{id}/template",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/template`,
    body: () => ({}),
    scope: "templates:write",
    owned: true,
    bodyOptional: true,
  },
  {
    method: "POST",
    route: "/api/cloud-saas/deployments/{id}/redeploy",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/redeploy`,
    body: () => ({ mode: "snapshot" }),
    scope: "deployments:write",
    owned: true,
    bodyOptional: true,
    mutates: true,
  },
  {
    method: "POST",
    route: "/api/cloud-saas/deployments/{id}/pause",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/pause`,
    body: () => ({}),
    scope: "deployments:write",
    owned: true,
    bodyOptional: true,
    mutates: true,
  },
  {
    method: "POST",
    route: "/api/cloud-saas/deployments/{id}/resume",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/resume`,
    body: () => ({}),
    scope: "deployments:write",
    owned: true,
    bodyOptional: true,
  },
  {
    method: "PUT",
    route: "/api/cloud-saas/deployments/{id}/idle-timeout",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/idle-timeout`,
    body: () => ({ idleTimeoutMs: 3_600_000 }),
    scope: "deployments:write",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/cloud-saas/mentions",
    path: () => "/api/cloud-saas/mentions",
    body: (f) => ({ agentId: f.agentId }),
    scope: "deployments:write",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/agents/{agentId}/heartbeat",
    path: (f) => `/api/agents/${f.agentId}/heartbeat`,
    body: () => ({ at: "2026-01-01T00:00:00Z" }),
    scope: null,
    owned: true,
    bodyOptional: true,
  },
  {
    method: "DELETE",
    route: "/api/templates/{slug}",
    path: (f) => `/api/templates/${f.templateSlug}`,
    scope: "templates:write",
    owned: true,
    mutates: true,
  },

  {
    method: "POST",
    route: "/api/v1/cloud/deployments",
    path: () => "/api/v1/cloud/deployments",
    body: (f) => ({
      agent: { id: f.agentId, type: "agent" },
      environment_id: f.environmentId,
      name: "x",
      schedule: { type: "cron", expression: "0 0 1 1 *", timezone: "UTC" },
    }),
    scope: "deployments:write",
    owned: true,
    envelope: "typed",
  },
  {
    method: "GET",
    route: "/api/v1/cloud/deployments",
    path: () => "/api/v1/cloud/deployments",
    scope: "deployments:read",
    owned: false,
    envelope: "typed",
  },
  {
    method: "GET",
    route: "/api/v1/cloud/deployments/{id}",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}`,
    scope: "deployments:read",
    owned: true,
    envelope: "typed",
  },
  {
    method: "POST",
    route: "/api/v1/cloud/deployments/{id}",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}`,
    body: () => ({ description: "updated" }),
    scope: "deployments:write",
    owned: true,
    envelope: "typed",
  },
  {
    method: "DELETE",
    route: "/api/v1/cloud/deployments/{id}",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}`,
    scope: "deployments:write",
    owned: true,
    envelope: "typed",
    mutates: true,
  },
  {
    method: "POST",
    route: "/api/v1/cloud/deployments/{id}/pause",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}/pause`,
    body: () => ({ reason: "r" }),
    scope: "deployments:write",
    owned: true,
    envelope: "typed",
    bodyOptional: true,
  },
  {
    method: "POST",
    route: "/api/v1/cloud/deployments/{id}/unpause",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}/unpause`,
    body: () => ({}),
    scope: "deployments:write",
    owned: true,
    envelope: "typed",
    bodyOptional: true,
  },
  {
    method: "POST",
    route: "/api/v1/cloud/deployments/{id}/archive",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}/archive`,
    body: () => ({}),
    scope: "deployments:write",
    owned: true,
    envelope: "typed",
    bodyOptional: true,
    mutates: true,
  },
  {
    method: "POST",
    route: "/api/v1/cloud/deployments/{id}/run",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}/run`,
    body: () => ({}),
    scope: "deployments:write",
    owned: true,
    envelope: "typed",
    bodyOptional: true,
    mutates: true,
  },
  {
    method: "GET",
    route: "/api/v1/cloud/deployments/{id}/runs",
    path: (f) => `/api/v1/cloud/deployments/${f.scheduleId}/runs`,
    scope: "deployments:read",
    owned: true,
    envelope: "typed",
  },
  {
    method: "POST",
    route: "/api/v1/cloud/environments",
    path: () => "/api/v1/cloud/environments",
    body: () => ({ name: "e" }),
    scope: "deployments:write",
    owned: false,
    envelope: "typed",
  },
  {
    method: "GET",
    route: "/api/v1/cloud/environments",
    path: () => "/api/v1/cloud/environments",
    scope: "deployments:read",
    owned: false,
    envelope: "typed",
  },
  {
    method: "GET",
    route: "/api/v1/cloud/environments/{id}",
    path: (f) => `/api/v1/cloud/environments/${f.environmentId}`,
    scope: "deployments:read",
    owned: true,
    envelope: "typed",
  },
  {
    method: "POST",
    route: "/api/v1/cloud/vaults",
    path: () => "/api/v1/cloud/vaults",
    body: () => ({ name: "v", secrets: { A: "b" } }),
    scope: "deployments:write",
    owned: false,
    envelope: "typed",
  },
  {
    method: "GET",
    route: "/api/v1/cloud/vaults",
    path: () => "/api/v1/cloud/vaults",
    scope: "deployments:read",
    owned: false,
    envelope: "typed",
  },
  {
    method: "GET",
    route: "/api/v1/cloud/vaults/{id}",
    path: (f) => `/api/v1/cloud/vaults/${f.vaultId}`,
    scope: "deployments:read",
    owned: true,
    envelope: "typed",
  },
  {
    method: "GET",
    route: "/api/cloud-saas/deployments/{id}/backups",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/backups`,
    scope: "deployments:read",
    owned: true,
  },
  {
    method: "POST",
    route: "/api/cloud-saas/deployments/{id}/backups",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/backups`,
    body: () => ({ driver: "volumeSnapshot" }),
    scope: "deployments:write",
    owned: true,
    bodyOptional: true,
  },
  {
    method: "POST",
    route: "/api/cloud-saas/deployments/{id}/restore",
    path: (f) => `/api/cloud-saas/deployments/${f.deploymentId}/restore`,
    body: () => ({ backupId: "none" }),
    scope: "deployments:write",
    owned: true,
    bodyOptional: true,
  },
];
