/**
 * The cloud runtime API of seeds 000/001 under /api/cloud-saas: manifest and drift, template sync,
 * redeploy, pause and resume, and the mention trigger. Deployments are addressed by canonical id.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireScope } from "../../capabilities/auth/principal.js";
import { type Deployment, ingressesOf } from "../../domain/deployment.js";
import {
  AUTHOR_EXPANSION_DOC,
  runnableConfigSchema,
  USER_VALUES_DOC,
  userEnvSchema,
} from "../../domain/config-spec.js";
import { CLOUD_STATUSES, canonicalFor, toCloudStatus } from "../../domain/status.js";
import type { SurfaceDeps } from "../../http/deps.js";

const tags = ["cloud runtime (seeds 000/001)"];
const id = z.string().min(1).max(100);
const byId = { params: z.strictObject({ id }) };
const agentBody = z.strictObject({ agentId: z.string().min(1).max(100).optional() }).nullish();

const deploymentSchema = z.object({
  id: z.string(),
  name: z.string(),
  namespace: z.string(),
  status: z.enum(CLOUD_STATUSES),
  statusReason: z.string().nullable(),
  isCurrent: z.boolean(),
  teamId: z.string(),
  source: z.object({
    type: z.string(),
    templateSlug: z.string().nullable(),
    templateRevision: z.number().nullable(),
    image: z.string().nullable(),
    agentId: z.string().nullable(),
  }),
  agents: z.array(z.object({ agentId: z.string(), kind: z.string() })),
  visibility: z.string(),
  replicas: z.number(),
  manifestRevision: z.number(),
  configHash: z.string(),
  ingresses: z.array(z.object({ id: z.string(), name: z.string(), host: z.string(), url: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().nullable(),
});
const ok = z.literal(true);
const error = z.object({ ok: z.literal(false), error: z.string() });

export function cloudRoutes(app: FastifyInstance, deps: SurfaceDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { deployments, cloud } = deps;
  const view = (d: Deployment): z.infer<typeof deploymentSchema> => ({
    id: d.id,
    name: d.name,
    namespace: d.namespace,
    status: toCloudStatus(d.status),
    statusReason: d.statusReason,
    isCurrent: d.isCurrent,
    teamId: d.teamId,
    source: d.source,
    agents: d.config.workloads.map((w) => ({ agentId: w.name, kind: w.kind })),
    visibility: d.visibility,
    replicas: d.replicas,
    manifestRevision: d.manifestRevision,
    configHash: d.configHash,
    ingresses: ingressesOf(d, deps.ingress),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    endedAt: d.endedAt,
  });

  r.get(
    "/deployments",
    {
      schema: {
        tags,
        summary: "List deployments (failed ones are not shown)",
        response: { 200: z.object({ ok, deployments: z.array(deploymentSchema) }) },
      },
    },
    async (req) => {
      const list = await deployments.list(req.principal, {
        excludeStatuses: canonicalFor(toCloudStatus, "failed"),
      });
      return { ok: true as const, deployments: list.map(view) };
    },
  );

  r.get(
    "/deployments/:id",
    {
      schema: {
        tags,
        summary: "Get a deployment",
        ...byId,
        response: { 200: z.object({ ok, deployment: deploymentSchema }), 404: error },
      },
    },
    async (req) => ({
      ok: true as const,
      deployment: view(await deployments.getOwned(req.principal, req.params.id)),
    }),
  );

  r.get(
    "/deployments/:id/manifest",
    {
      schema: {
        tags,
        summary: "Linked template, manifest revision, config hash and drift",
        ...byId,
        response: {
          200: z.object({
            ok,
            deploymentId: z.string(),
            template: z
              .object({
                slug: z.string(),
                kind: z.string(),
                status: z.string(),
                revision: z.number().nullable(),
              })
              .nullable(),
            manifestRevision: z.number(),
            configHash: z.string(),
            drift: z.enum(["up-to-date", "template-updated", "missing-template", "unlinked", "unknown"]),
          }),
          404: error,
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      return { ok: true as const, ...(await cloud.manifest.manifest(req.principal, d)) };
    },
  );

  r.post(
    "/deployments/:id/template",
    {
      schema: {
        tags,
        summary: "Save the deployed config as an editable template (in place or forked)",
        ...byId,
        body: z.strictObject({}).nullish(),
        response: {
          200: z.object({
            ok,
            mode: z.enum(["updated", "forked", "created"]),
            revision: z.number(),
            template: z
              .object({ slug: z.string(), kind: z.string(), status: z.string(), latestRevision: z.number() })
              .passthrough(),
            deployment: deploymentSchema,
          }),
          404: error,
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      const result = await cloud.manifest.syncTemplate(req.principal, d);
      return {
        ok: true as const,
        ...result,
        deployment: view(await deployments.getOwned(req.principal, d.id)),
      };
    },
  );

  r.post(
    "/deployments/:id/redeploy",
    {
      schema: {
        tags,
        summary: "Redeploy from the snapshot, the template, another template or an explicit config",
        description: `${USER_VALUES_DOC} ${AUTHOR_EXPANSION_DOC}`,
        ...byId,
        body: z
          .strictObject({
            mode: z.enum(["snapshot", "template"]).optional(),
            templateSlug: z.string().min(1).max(100).optional(),
            configSnapshot: runnableConfigSchema.optional(),
            envVars: userEnvSchema.optional(),
          })
          .nullish(),
        response: {
          200: z.object({
            ok,
            status: z.enum(CLOUD_STATUSES),
            previousDeploymentId: z.string(),
            deployment: deploymentSchema,
          }),
          404: error,
          409: error,
          422: error,
          502: error,
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      const next = await cloud.redeployer.redeploy(req.principal, d, req.body ?? {});
      return {
        ok: true as const,
        status: toCloudStatus(next.status),
        previousDeploymentId: d.id,
        deployment: view(next),
      };
    },
  );

  r.post(
    "/deployments/:id/pause",
    {
      schema: {
        tags,
        summary: "Pause a sandbox (scale to 0, keep its volume)",
        ...byId,
        body: agentBody,
        response: {
          200: z.object({ ok, status: z.literal("paused"), deployment: deploymentSchema }),
          404: error,
          409: error,
          422: error,
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      const after = await cloud.pauseResume.pause(req.principal, d, req.body?.agentId);
      return { ok: true as const, status: "paused" as const, deployment: view(after) };
    },
  );

  r.post(
    "/deployments/:id/resume",
    {
      schema: {
        tags,
        summary: "Resume a paused sandbox on its volume",
        ...byId,
        body: agentBody,
        response: {
          200: z.object({ ok, status: z.literal("deployed"), deployment: deploymentSchema }),
          404: error,
          409: error,
          422: error,
          502: error,
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      const after = await cloud.pauseResume.resume(req.principal, d, req.body?.agentId);
      return { ok: true as const, status: "deployed" as const, deployment: view(after) };
    },
  );

  const backupSchema = z
    .object({
      id: z.string(),
      deploymentId: z.string(),
      namespace: z.string(),
      agentId: z.string(),
      sandboxName: z.string(),
      pvcName: z.string(),
      driver: z.string(),
      snapshotName: z.string().nullable(),
      objectKey: z.string().nullable(),
      status: z.string(),
      phase: z.string(),
      error: z.string().nullable(),
      expiresAt: z.string().nullable(),
      createdAt: z.string(),
      updatedAt: z.string(),
      bytesDone: z.number(),
      totalBytes: z.number(),
      checksum: z.string().nullable(),
      encrypted: z.boolean(),
      keyId: z.string().nullable(),
      restoreStatus: z.string().nullable(),
    })
    .passthrough();

  r.get(
    "/deployments/:id/backups",
    {
      schema: {
        tags,
        summary: "Backups of the deployment's sandboxes",
        ...byId,
        querystring: z.strictObject({ agentId: z.string().min(1).max(100).optional() }),
        response: { 200: z.object({ deploymentId: z.string(), backups: z.array(backupSchema) }), 404: error },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      return { deploymentId: d.id, backups: await cloud.backups.list(req.principal, d, req.query.agentId) };
    },
  );

  r.post(
    "/deployments/:id/backups",
    {
      schema: {
        tags,
        summary: "Back up a sandbox's volume (asynchronous: follow `phase`)",
        ...byId,
        body: z
          .strictObject({
            agentId: z.string().min(1).max(100).optional(),
            driver: z.string().min(1).max(50).optional(),
            retentionDays: z.number().optional(),
          })
          .nullish(),
        response: { 202: z.object({ ok, backup: backupSchema }), 404: error, 409: error, 422: error },
      },
    },
    async (req, reply) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      const backup = await cloud.backups.create(req.principal, d, req.body ?? {});
      return reply.code(202).send({ ok: true as const, backup });
    },
  );

  r.post(
    "/deployments/:id/restore",
    {
      schema: {
        tags,
        summary: "Restore a sandbox's volume from a backup (asynchronous: follow the backup's `phase`)",
        ...byId,
        body: z
          .strictObject({
            agentId: z.string().min(1).max(100).optional(),
            backupId: z.string().min(1).max(100).optional(),
          })
          .nullish(),
        response: {
          202: z.object({
            ok,
            backup: backupSchema,
            status: z.literal("resuming"),
            deployment: deploymentSchema,
          }),
          404: error,
          409: error,
          422: error,
        },
      },
    },
    async (req, reply) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      const result = await cloud.backups.restore(req.principal, d, req.body ?? {});
      return reply.code(202).send({
        ok: true as const,
        backup: result.backup,
        status: "resuming" as const,
        deployment: view(result.deployment),
      });
    },
  );

  r.put(
    "/deployments/:id/idle-timeout",
    {
      schema: {
        tags,
        summary: "Pause automatically after this long without requests, heartbeats or mentions (null: never)",
        ...byId,
        body: z.strictObject({
          idleTimeoutMs: z
            .number()
            .int()
            .min(1_000)
            .max(30 * 24 * 3600 * 1000)
            .nullable(),
        }),
        response: {
          200: z.object({ ok, idleTimeoutMs: z.number().nullable(), deployment: deploymentSchema }),
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwned(req.principal, req.params.id);
      const after = await deployments.setIdleTimeout(req.principal, d, req.body.idleTimeoutMs);
      return { ok: true as const, idleTimeoutMs: after.idleTimeoutMs, deployment: view(after) };
    },
  );

  r.post(
    "/mentions",
    {
      schema: {
        tags,
        summary: "A mention of an agent: resumes its paused deployments (fire-and-forget)",
        body: z.strictObject({
          agentId: id,
          channelId: z.string().max(200).optional(),
          threadId: z.string().max(200).optional(),
          message: z.string().max(10_000).optional(),
        }),
        response: { 202: z.object({ ok, agentId: z.string(), resuming: z.array(z.string()) }) },
      },
    },
    async (req, reply) => {
      requireScope(req.principal, "deployments:write");
      const resuming = await cloud.wakeAgent(req.principal, req.body.agentId, "mentioned");
      return reply.code(202).send({ ok: true as const, agentId: req.body.agentId, resuming });
    },
  );
}
