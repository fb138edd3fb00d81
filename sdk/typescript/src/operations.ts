/**
 * Every operation berth serves, by SDK method name. The client's methods are thin wrappers over this
 * table, and a test checks it against /openapi.json in both directions.
 */
import type { paths } from "./openapi.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export const operations = {
  health: ["GET", "/healthz"],
  ready: ["GET", "/readyz"],

  // platform API
  getMe: ["GET", "/api/me"],
  createTeam: ["POST", "/api/teams"],
  listTeams: ["GET", "/api/teams"],
  getTeam: ["GET", "/api/teams/{teamId}"],
  updateTeam: ["PATCH", "/api/teams/{teamId}"],
  listTeamBillingEvents: ["GET", "/api/teams/{teamId}/billing-events"],
  createUser: ["POST", "/api/users"],
  listUsers: ["GET", "/api/users"],
  createKey: ["POST", "/api/keys"],
  listKeys: ["GET", "/api/keys"],
  deleteKey: ["DELETE", "/api/keys/{keyId}"],
  listTemplates: ["GET", "/api/templates"],
  createTemplate: ["POST", "/api/templates"],
  getTemplate: ["GET", "/api/templates/{slug}"],
  deleteTemplate: ["DELETE", "/api/templates/{slug}"],
  createTemplateRevision: ["POST", "/api/templates/{slug}/revisions"],
  setTemplateStatus: ["PUT", "/api/templates/{slug}/status"],
  createAgent: ["POST", "/api/agents"],
  listAgents: ["GET", "/api/agents"],
  getAgent: ["GET", "/api/agents/{agentId}"],
  sendAgentHeartbeat: ["POST", "/api/agents/{agentId}/heartbeat"],
  listRegistryCredentials: ["GET", "/api/registry-credentials"],
  putRegistryCredential: ["PUT", "/api/registry-credentials/{registry}"],
  getRegistryCredential: ["GET", "/api/registry-credentials/{registry}"],
  deleteRegistryCredential: ["DELETE", "/api/registry-credentials/{registry}"],

  // template platform API (seed 004): deployments by name
  listDeployments: ["GET", "/api/deployments"],
  createDeployment: ["POST", "/api/deployments"],
  getDeploymentStatus: ["GET", "/api/deployments/status"],
  deleteDeployment: ["POST", "/api/deployments/delete"],
  restartDeployment: ["POST", "/api/deployments/restart"],
  deployImage: ["POST", "/api/deployments/deploy-image"],
  getDeploymentConfig: ["GET", "/api/deployments/config"],
  updateDeploymentConfig: ["PUT", "/api/deployments/config"],
  getDeploymentAutoUpdate: ["GET", "/api/deployments/auto-update"],
  setDeploymentAutoUpdate: ["PUT", "/api/deployments/auto-update"],
  getDeploymentLogs: ["GET", "/api/deployments/{name}/logs"],
  followDeploymentLogs: ["GET", "/api/deployments/{name}/logs/stream"],
  getDeploymentMetrics: ["GET", "/api/deployments/{name}/metrics"],
  getDeploymentHistory: ["GET", "/api/deployments/{name}/history"],
  getDeploymentEvents: ["GET", "/api/deployments/{name}/events"],

  // agent deployments API (seed 002): deployments by id, with replicas
  listAgentDeployments: ["GET", "/deployments"],
  createAgentDeployment: ["POST", "/deployments"],
  deployAgent: ["POST", "/agents/{agent_id}/deploy"],
  getAgentDeployment: ["GET", "/deployments/{deployment_id}"],
  deleteAgentDeployment: ["DELETE", "/deployments/{deployment_id}"],
  listAgentDeploymentEvents: ["GET", "/deployments/{deployment_id}/events"],
  getAgentDeploymentLogs: ["GET", "/deployments/{deployment_id}/logs"],
  getAgentDeploymentMetrics: ["GET", "/deployments/{deployment_id}/metrics"],
  restartAgentDeployment: ["POST", "/deployments/{deployment_id}/restart"],
  scaleAgentDeployment: ["POST", "/deployments/{deployment_id}/scale"],

  // cloud runtime (seeds 000/001)
  listCloudDeployments: ["GET", "/api/cloud-saas/deployments"],
  getCloudDeployment: ["GET", "/api/cloud-saas/deployments/{id}"],
  getCloudDeploymentManifest: ["GET", "/api/cloud-saas/deployments/{id}/manifest"],
  syncCloudDeploymentTemplate: ["POST", "/api/cloud-saas/deployments/{id}/template"],
  redeployCloudDeployment: ["POST", "/api/cloud-saas/deployments/{id}/redeploy"],
  pauseCloudDeployment: ["POST", "/api/cloud-saas/deployments/{id}/pause"],
  resumeCloudDeployment: ["POST", "/api/cloud-saas/deployments/{id}/resume"],
  listCloudDeploymentBackups: ["GET", "/api/cloud-saas/deployments/{id}/backups"],
  createCloudDeploymentBackup: ["POST", "/api/cloud-saas/deployments/{id}/backups"],
  restoreCloudDeploymentBackup: ["POST", "/api/cloud-saas/deployments/{id}/restore"],
  setCloudDeploymentIdleTimeout: ["PUT", "/api/cloud-saas/deployments/{id}/idle-timeout"],
  sendMention: ["POST", "/api/cloud-saas/mentions"],

  // scheduled deployments API (seed 003)
  createScheduledDeployment: ["POST", "/api/v1/cloud/deployments"],
  listScheduledDeployments: ["GET", "/api/v1/cloud/deployments"],
  getScheduledDeployment: ["GET", "/api/v1/cloud/deployments/{id}"],
  updateScheduledDeployment: ["POST", "/api/v1/cloud/deployments/{id}"],
  deleteScheduledDeployment: ["DELETE", "/api/v1/cloud/deployments/{id}"],
  pauseScheduledDeployment: ["POST", "/api/v1/cloud/deployments/{id}/pause"],
  unpauseScheduledDeployment: ["POST", "/api/v1/cloud/deployments/{id}/unpause"],
  archiveScheduledDeployment: ["POST", "/api/v1/cloud/deployments/{id}/archive"],
  runScheduledDeployment: ["POST", "/api/v1/cloud/deployments/{id}/run"],
  listScheduledDeploymentRuns: ["GET", "/api/v1/cloud/deployments/{id}/runs"],
  createEnvironment: ["POST", "/api/v1/cloud/environments"],
  listEnvironments: ["GET", "/api/v1/cloud/environments"],
  getEnvironment: ["GET", "/api/v1/cloud/environments/{id}"],
  createVault: ["POST", "/api/v1/cloud/vaults"],
  listVaults: ["GET", "/api/v1/cloud/vaults"],
  getVault: ["GET", "/api/v1/cloud/vaults/{id}"],
} as const satisfies Record<string, readonly [HttpMethod, keyof paths]>;

export type OperationName = keyof typeof operations;

type Def<N extends OperationName> = NonNullable<
  paths[(typeof operations)[N][1]][Lowercase<(typeof operations)[N][0]>]
>;

/** The JSON body an operation takes. */
export type Body<N extends OperationName> =
  Def<N> extends { requestBody?: { content: { "application/json": infer B } } } ? NonNullable<B> : never;

/** The query string an operation takes. */
export type Query<N extends OperationName> =
  Def<N> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** A JSON object (every operation's answer has a declared schema; this names the general shape). */
export type JsonObject = { [key: string]: unknown };

/** The body of an answer: its JSON, or the text of a text answer (SSE). */
type BodyOf<R> = R extends { content: { "application/json": infer J } }
  ? J
  : R extends { content: { [type: string]: infer T } }
    ? T
    : never;

/** What an operation answers on success (null for 204 No Content). */
export type Result<N extends OperationName> =
  Def<N> extends { responses: infer R }
    ? 200 extends keyof R
      ? BodyOf<R[200]>
      : 201 extends keyof R
        ? BodyOf<R[201]>
        : 202 extends keyof R
          ? BodyOf<R[202]>
          : 204 extends keyof R
            ? null
            : never
    : never;
