/**
 * The scheduled deployments API of seed 003 under /api/v1/cloud: deployments with cron schedules
 * (`dep_` ids), their runs, environments (`env_`) and vaults (`vault_`).
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { ScheduleUpdate } from "../../capabilities/schedules/service.js";
import { USER_VALUES_DOC, userEnvSchema } from "../../domain/config-spec.js";
import type { SurfaceDeps } from "../../http/deps.js";
import {
  deletedSchema,
  environmentListSchema,
  environmentSchema,
  runListSchema,
  runSchema,
  scheduledDeploymentSchema,
  scheduledListSchema,
  vaultListSchema,
  vaultSchema,
} from "./schemas.js";

const tags = ["scheduled deployments (seed 003)"];
const depId = z.string().regex(/^dep_[0-9a-f]{32}$/, "must be a deployment id (dep_ + 32 hex digits)");
const byId = { params: z.strictObject({ id: depId }) };
/** Paging of every seed 003 list: `limit` 1–100 (20) and `after_id`, the `last_id` of the previous page. */
const pageQuery = (id: RegExp, what: string) =>
  z.strictObject({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    after_id: z.string().regex(id, `must be ${what}`).optional(),
  });
const event = z.record(z.string(), z.unknown());
const cronSchedule = z.strictObject({
  type: z.literal("cron"),
  expression: z.string().min(1).max(200),
  timezone: z.string().min(1).max(64).default("UTC"),
});
const casConfig = z.strictObject({
  config: z
    .strictObject({
      max_concurrent: z.number().int().min(1).max(100).optional(),
      max_retries: z.number().int().min(0).max(10).optional(),
      timeout_ms: z
        .number()
        .int()
        .min(100)
        .max(24 * 3600 * 1000)
        .optional(),
      pause_after_failures: z.number().int().min(1).max(1000).optional(),
    })
    .optional(),
  session_strategy: z.enum(["new_session", "reuse_session"]).optional(),
});
const metadata = z.object({ cas_config: casConfig.optional() }).catchall(z.unknown());
const common = {
  environment_id: z.string().min(1).max(100),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(4000).optional(),
  initial_events: z.array(event).max(100).optional(),
  schedule: cronSchedule,
  metadata: metadata.optional(),
  resources: z.array(z.unknown()).max(100).optional(),
  vault_ids: z.array(z.string().max(100)).max(20).optional(),
};
const createBody = z.strictObject({
  agent: z.union([
    z.string().min(1).max(100),
    z.strictObject({
      id: z.string().min(1).max(100),
      type: z.literal("agent").optional(),
      version: z.number().int().min(1).optional(),
    }),
  ]),
  ...common,
});
const updateBody = z.strictObject({
  environment_id: common.environment_id.optional(),
  name: common.name.optional(),
  description: common.description,
  initial_events: common.initial_events,
  schedule: cronSchedule.partial().optional(),
  metadata: common.metadata,
  resources: common.resources,
  vault_ids: common.vault_ids,
});

function settings(m: z.infer<typeof metadata> | undefined) {
  const c = m?.cas_config;
  const { cas_config: _drop, ...rest } = m ?? {};
  return {
    maxConcurrent: c?.config?.max_concurrent,
    maxRetries: c?.config?.max_retries,
    timeoutMs: c?.config?.timeout_ms,
    pauseAfterFailures: c?.config?.pause_after_failures,
    sessionStrategy: c?.session_strategy,
    metadata: m ? rest : undefined,
  };
}

export function scheduledRoutes(app: FastifyInstance, deps: SurfaceDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = deps.schedules;

  r.post(
    "/deployments",
    {
      schema: {
        tags,
        summary: "Create a scheduled deployment",
        response: { 200: scheduledDeploymentSchema },
        body: createBody,
      },
    },
    async (req) => {
      const b = req.body;
      const agent = typeof b.agent === "string" ? { id: b.agent } : b.agent;
      return svc.create(req.principal, {
        agentId: agent.id,
        agentVersion: "version" in agent ? agent.version : undefined,
        environmentId: b.environment_id,
        name: b.name,
        description: b.description,
        initialEvents: b.initial_events,
        expression: b.schedule.expression,
        timezone: b.schedule.timezone,
        vaultIds: b.vault_ids,
        resources: b.resources,
        ...settings(b.metadata),
        metadata: settings(b.metadata).metadata,
      });
    },
  );

  r.get(
    "/deployments",
    {
      schema: {
        tags,
        summary: "List scheduled deployments, newest first",
        response: { 200: scheduledListSchema },
        querystring: pageQuery(/^dep_[0-9a-f]{32}$/, "a deployment id (dep_ + 32 hex digits)"),
      },
    },
    async (req) => svc.list(req.principal, req.query.limit, req.query.after_id),
  );

  r.get(
    "/deployments/:id",
    {
      schema: {
        tags,
        summary: "Get a scheduled deployment",
        response: { 200: scheduledDeploymentSchema },
        ...byId,
      },
    },
    async (req) => svc.get(req.principal, req.params.id),
  );

  r.post(
    "/deployments/:id",
    {
      schema: {
        tags,
        summary: "Update a scheduled deployment",
        response: { 200: scheduledDeploymentSchema },
        ...byId,
        body: updateBody,
      },
    },
    async (req) => {
      const b = req.body;
      const update: ScheduleUpdate = {
        environmentId: b.environment_id,
        name: b.name,
        description: b.description,
        initialEvents: b.initial_events,
        expression: b.schedule?.expression,
        timezone: b.schedule?.timezone,
        vaultIds: b.vault_ids,
        resources: b.resources,
        ...settings(b.metadata),
      };
      return svc.update(req.principal, req.params.id, update);
    },
  );

  r.delete(
    "/deployments/:id",
    { schema: { tags, summary: "Delete a scheduled deployment", response: { 200: deletedSchema }, ...byId } },
    async (req) => svc.delete(req.principal, req.params.id),
  );

  r.post(
    "/deployments/:id/pause",
    {
      schema: {
        tags,
        summary: "Pause",
        response: { 200: scheduledDeploymentSchema },
        ...byId,
        body: z.strictObject({ reason: z.string().max(1000).optional() }).nullish(),
      },
    },
    async (req) => svc.pause(req.principal, req.params.id, req.body?.reason),
  );

  r.post(
    "/deployments/:id/unpause",
    {
      schema: {
        tags,
        summary: "Unpause (409 conflict_error when not paused)",
        response: { 200: scheduledDeploymentSchema },
        ...byId,
        body: z.strictObject({}).nullish(),
      },
    },
    async (req) => svc.unpause(req.principal, req.params.id),
  );

  r.post(
    "/deployments/:id/archive",
    {
      schema: {
        tags,
        summary: "Archive: never fires again",
        response: { 200: scheduledDeploymentSchema },
        ...byId,
        body: z.strictObject({}).nullish(),
      },
    },
    async (req) => svc.archive(req.principal, req.params.id),
  );

  r.post(
    "/deployments/:id/run",
    {
      schema: {
        tags,
        summary: "Trigger a run now",
        response: { 202: runSchema },
        ...byId,
        body: z.strictObject({}).nullish(),
      },
    },
    async (req, reply) => reply.code(202).send(await svc.run(req.principal, req.params.id)),
  );

  r.get(
    "/deployments/:id/runs",
    {
      schema: {
        tags,
        summary: "Run history, newest first",
        response: { 200: runListSchema },
        ...byId,
        querystring: pageQuery(/^run_[0-9a-f]{32}$/, "a run id (run_ + 32 hex digits)"),
      },
    },
    async (req) => svc.runs(req.principal, req.params.id, req.query.limit, req.query.after_id),
  );

  r.post(
    "/environments",
    {
      schema: {
        tags,
        summary: "Create an environment",
        response: { 200: environmentSchema },
        body: z.strictObject({
          name: z.string().trim().min(1).max(200),
          description: z.string().max(4000).optional(),
          config: z.strictObject({ runtime: z.enum(["local"]).optional() }).optional(),
        }),
      },
    },
    async (req) => svc.createEnvironment(req.principal, req.body),
  );
  r.get(
    "/environments",
    {
      schema: {
        tags,
        summary: "List environments, newest first",
        response: { 200: environmentListSchema },
        querystring: pageQuery(/^env_[0-9a-f]{32}$/, "an environment id (env_ + 32 hex digits)"),
      },
    },
    async (req) => svc.listEnvironments(req.principal, req.query.limit, req.query.after_id),
  );
  r.get(
    "/environments/:id",
    {
      schema: {
        tags,
        summary: "Get an environment",
        response: { 200: environmentSchema },
        params: z.strictObject({ id: z.string().max(100) }),
      },
    },
    async (req) => svc.getEnvironment(req.principal, req.params.id),
  );

  r.post(
    "/vaults",
    {
      schema: {
        tags,
        summary: "Create a vault (secret values are never returned)",
        description: USER_VALUES_DOC,
        body: z.strictObject({ name: z.string().trim().min(1).max(200), secrets: userEnvSchema }),
        response: { 200: vaultSchema },
      },
    },
    async (req) => svc.createVault(req.principal, req.body),
  );
  r.get(
    "/vaults",
    {
      schema: {
        tags,
        summary: "List vaults, newest first (names only)",
        response: { 200: vaultListSchema },
        querystring: pageQuery(/^vault_[0-9a-f]{32}$/, "a vault id (vault_ + 32 hex digits)"),
      },
    },
    async (req) => svc.listVaults(req.principal, req.query.limit, req.query.after_id),
  );
  r.get(
    "/vaults/:id",
    {
      schema: {
        tags,
        summary: "Get a vault (names only)",
        response: { 200: vaultSchema },
        params: z.strictObject({ id: z.string().max(100) }),
      },
    },
    async (req) => svc.getVault(req.principal, req.params.id),
  );
}
