/**
 * The agent deployments API of seed 002: `/deployments` and `/agents/{agent_id}/deploy`,
 * snake_case bodies, statuses deploying | running | ready | stopped | failed | killed.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Deployment } from "../../domain/deployment.js";
import { formatCpu, formatMemory } from "../../capabilities/deployments/observe.js";
import { USER_VALUES_DOC, userEnvSchema } from "../../domain/config-spec.js";
import { AGENT_DEPLOYMENT_STATUSES, canonicalFor, toAgentDeploymentStatus } from "../../domain/status.js";
import type { SurfaceDeps } from "../../http/deps.js";
import type { DeploymentEventRow } from "../../store/schema.js";

const tags = ["agent deployments (seed 002)"];
const STATUSES = AGENT_DEPLOYMENT_STATUSES;
const id = z.string().min(1).max(100);
const detail = z.object({ detail: z.unknown() });

const deploymentSchema = z.object({
  id: z.string(),
  name: z.string(),
  agent_id: z.string().nullable(),
  team_id: z.string(),
  status: z.enum(STATUSES),
  status_reason: z.string().nullable(),
  replicas: z.number(),
  ready_replicas: z.number(),
  environment_keys: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
  ended_at: z.string().nullable(),
});

const eventSchema = z.object({
  id: z.string(),
  deployment_id: z.string(),
  event_type: z.string(),
  from_status: z.enum(STATUSES).nullable(),
  to_status: z.enum(STATUSES).nullable(),
  message: z.string(),
  actor: z.string().nullable(),
  created_at: z.string(),
});

const createBody = z.strictObject({
  replicas: z.number().int().min(1).max(100).optional(),
  environment: userEnvSchema.optional(),
});

const mapStatus = (s: string | null) =>
  s === null ? null : toAgentDeploymentStatus(s as Deployment["status"]);

export function agentDeploymentRoutes(app: FastifyInstance, deps: SurfaceDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { deployments, agentDeployments, observer } = deps;

  /** `envKeys` when the caller read them for a whole page at once. */
  const view = async (d: Deployment, envKeys?: string[]): Promise<z.infer<typeof deploymentSchema>> => ({
    id: d.id,
    name: d.name,
    agent_id: d.source.agentId,
    team_id: d.teamId,
    status: toAgentDeploymentStatus(d.status),
    status_reason: d.statusReason,
    replicas: d.replicas,
    ready_replicas: observer.replicas(d).ready,
    environment_keys: envKeys ?? (await deployments.envKeys(d)),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    ended_at: d.endedAt,
  });
  const eventView = (e: DeploymentEventRow): z.infer<typeof eventSchema> => ({
    id: e.id,
    deployment_id: e.deployment_id,
    event_type: e.type,
    from_status: mapStatus(e.from_status),
    to_status: mapStatus(e.to_status),
    message: e.message,
    actor: e.actor,
    created_at: e.created_at,
  });

  r.post(
    "/deployments",
    {
      schema: {
        tags,
        summary: "Create a deployment of an owned agent",
        description: USER_VALUES_DOC,
        body: createBody.extend({ agent_id: id }),
        response: { 201: deploymentSchema, 403: detail, 404: detail, 422: detail },
      },
    },
    async (req, reply) => {
      const d = await agentDeployments.create(req.principal, { agentId: req.body.agent_id, ...req.body });
      return reply.code(201).send(await view(d));
    },
  );

  r.post(
    "/agents/:agent_id/deploy",
    {
      schema: {
        tags,
        summary: "Deploy an agent (agent-centric create)",
        description: USER_VALUES_DOC,
        params: z.strictObject({ agent_id: id }),
        body: createBody.nullish(),
        response: { 201: deploymentSchema, 403: detail, 404: detail, 422: detail },
      },
    },
    async (req, reply) => {
      const d = await agentDeployments.create(req.principal, { agentId: req.params.agent_id, ...req.body });
      return reply.code(201).send(await view(d));
    },
  );

  r.get(
    "/deployments",
    {
      schema: {
        tags,
        summary: "List deployments",
        querystring: z.strictObject({
          skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          agent_id: id.optional(),
          status: z.enum(STATUSES).optional(),
        }),
        response: { 200: z.array(deploymentSchema) },
      },
    },
    async (req) => {
      const q = req.query;
      const list = await deployments.list(req.principal, {
        agentId: q.agent_id,
        statuses: q.status ? canonicalFor(toAgentDeploymentStatus, q.status) : undefined,
        skip: q.skip,
        limit: q.limit,
      });
      const keys = await deployments.envKeysOf(list);
      return Promise.all(list.map((d) => view(d, keys.get(d.id) ?? [])));
    },
  );

  const byId = { params: z.strictObject({ deployment_id: id }) };

  r.get(
    "/deployments/:deployment_id",
    {
      schema: {
        tags,
        summary: "Get a deployment",
        ...byId,
        response: { 200: deploymentSchema, 404: detail },
      },
    },
    async (req) => view(await deployments.getOwned(req.principal, req.params.deployment_id)),
  );

  r.get(
    "/deployments/:deployment_id/events",
    {
      schema: {
        tags,
        summary: "Lifecycle history, newest first",
        ...byId,
        querystring: z.strictObject({
          skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(50),
          event_type: z.string().max(100).optional(),
          status: z.enum(STATUSES).optional(),
        }),
        response: {
          200: z.object({
            deployment_id: z.string(),
            deployment_status: z.enum(STATUSES),
            total: z.number(),
            skip: z.number(),
            limit: z.number(),
            events: z.array(eventSchema),
          }),
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.deployment_id);
      const q = req.query;
      const { events, total } = await observer.lifecycle(d, {
        type: q.event_type,
        status: q.status ? canonicalFor(toAgentDeploymentStatus, q.status) : undefined,
        skip: q.skip,
        limit: q.limit,
      });
      return {
        deployment_id: d.id,
        deployment_status: toAgentDeploymentStatus(d.status),
        total,
        skip: q.skip,
        limit: q.limit,
        events: events.map(eventView),
      };
    },
  );

  r.get(
    "/deployments/:deployment_id/logs",
    {
      schema: {
        tags,
        summary: "Logs of the deployment's replicas",
        ...byId,
        querystring: z.strictObject({
          tail: z.coerce.number().int().min(0).max(10_000).default(100),
          replica: z.coerce.number().int().min(0).max(100).optional(),
        }),
        response: { 200: z.object({ deployment_id: z.string(), logs: z.string() }) },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.deployment_id);
      return {
        deployment_id: d.id,
        logs: await observer.logs(d, { tail: req.query.tail, replica: req.query.replica }),
      };
    },
  );

  r.get(
    "/deployments/:deployment_id/metrics",
    {
      schema: {
        tags,
        summary: "CPU, memory, replicas, restarts and uptime",
        ...byId,
        response: {
          200: z.object({
            deployment_id: z.string(),
            cpu_usage: z.string(),
            memory_usage: z.string(),
            cpu_millicores: z.number(),
            memory_bytes: z.number(),
            replicas_ready: z.number(),
            replicas_desired: z.number(),
            restarts: z.number(),
            uptime_seconds: z.number(),
            timestamp: z.string(),
          }),
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.deployment_id);
      const m = await observer.metrics(d);
      return {
        deployment_id: d.id,
        cpu_usage: formatCpu(m.cpuMillicores),
        memory_usage: formatMemory(m.memoryBytes),
        cpu_millicores: m.cpuMillicores,
        memory_bytes: m.memoryBytes,
        replicas_ready: m.readyReplicas,
        replicas_desired: m.desiredReplicas,
        restarts: m.restarts,
        uptime_seconds: m.startedAt
          ? Math.max(0, Math.round((m.at.getTime() - Date.parse(m.startedAt)) / 1000))
          : 0,
        timestamp: m.at.toISOString(),
      };
    },
  );

  r.post(
    "/deployments/:deployment_id/restart",
    {
      schema: {
        tags,
        summary: "Restart a stopped or failed deployment",
        ...byId,
        response: { 200: deploymentSchema, 400: detail },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.deployment_id);
      return view(await agentDeployments.revive(req.principal, d));
    },
  );

  r.post(
    "/deployments/:deployment_id/scale",
    {
      schema: {
        tags,
        summary: "Change the replica count of a running deployment",
        ...byId,
        body: z.strictObject({ replicas: z.number().int().min(1).max(100) }),
        response: { 200: deploymentSchema, 400: detail, 403: detail },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.deployment_id);
      return view(await agentDeployments.scale(req.principal, d, req.body.replicas));
    },
  );

  r.delete(
    "/deployments/:deployment_id",
    { schema: { tags, summary: "Kill a deployment", ...byId, response: { 200: deploymentSchema } } },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.deployment_id);
      return view(await agentDeployments.kill(req.principal, d));
    },
  );
}
