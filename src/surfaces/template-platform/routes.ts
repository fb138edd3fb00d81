/**
 * The template platform API of seed 004 under /api/deployments: name-addressed, camelCase,
 * `{error}` errors. A thin adapter: parse, authorise through services, render.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireScope } from "../../capabilities/auth/principal.js";
import { formatCpu, formatMemory } from "../../capabilities/deployments/observe.js";
import { USER_VALUES_DOC, userEnvSchema } from "../../domain/config-spec.js";
import { isDestroyed } from "../../domain/lifecycle.js";
import type { SurfaceDeps } from "../../http/deps.js";
import { streamLines, streamSse } from "../../http/sse.js";
import {
  deploymentItem,
  deploymentItemSchema,
  k8sEvent,
  k8sEventSchema,
  revisionItem,
  revisionSchema,
  statusSchema,
  statusView,
} from "./views.js";

const name = z.string().min(1).max(63);
const nameQuery = z.strictObject({ name });
const nameBody = z.strictObject({ deployment_name: name });
const visibility = z.enum(["public", "internal"]);
const errorSchema = z.object({ error: z.string(), code: z.string().optional() });
const okSchema = z.object({
  success: z.literal(true),
  message: z.string(),
  id: z.string(),
  name: z.string(),
});
const nameParams = z.strictObject({ name });
const booleanQuery = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const tags = ["template platform (seed 004)"];

export function templatePlatformRoutes(app: FastifyInstance, deps: SurfaceDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { deployments, observer } = deps;

  r.get(
    "/deployments",
    {
      schema: {
        tags,
        summary: "List deployments",
        querystring: z.strictObject({ team_id: z.string().max(100).optional() }),
        response: { 200: z.array(deploymentItemSchema), 401: errorSchema, 403: errorSchema },
      },
    },
    async (req) => {
      const list = await deployments.list(req.principal, { teamId: req.query.team_id, currentOnly: true });
      return list.filter((d) => !isDestroyed(d.status)).map((d) => deploymentItem(d, deps.ingress));
    },
  );

  r.post(
    "/deployments",
    {
      schema: {
        tags,
        summary: "Create a deployment from a template",
        description: USER_VALUES_DOC,
        body: z.strictObject({
          template: z.string().min(1).max(100),
          envVars: userEnvSchema.optional(),
          visibility: visibility.optional(),
          name: name.optional(),
          teamId: z.string().max(100).optional(),
        }),
        response: {
          201: deploymentItemSchema,
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const d = await deployments.createFromTemplate(req.principal, req.body);
      return reply.code(201).send(deploymentItem(d, deps.ingress));
    },
  );

  r.get(
    "/deployments/status",
    {
      schema: {
        tags,
        summary: "Deployment status",
        querystring: nameQuery,
        response: { 200: statusSchema, 404: errorSchema },
      },
    },
    async (req) => {
      const d = await deployments.getOwnedByName(req.principal, req.query.name);
      return statusView(d, deps.ingress, await deployments.hasRoom(d.teamId));
    },
  );

  r.post(
    "/deployments/delete",
    {
      schema: {
        tags,
        summary: "Delete a deployment (form posts are redirected)",
        body: nameBody,
        response: { 200: okSchema, 303: z.null(), 404: errorSchema },
      },
    },
    async (req, reply) => {
      requireScope(req.principal, "deployments:write");
      const d = await deployments.getOwnedByName(req.principal, req.body.deployment_name);
      await deployments.delete(req.principal, d, "purge");
      if ((req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
        return reply.code(303).header("location", "/dashboard/deployments").send(null);
      }
      return {
        success: true as const,
        message: `deployment ${d.name} is being deleted`,
        id: d.id,
        name: d.name,
      };
    },
  );

  r.post(
    "/deployments/restart",
    {
      schema: {
        tags,
        summary: "Restart every process of a deployment",
        body: nameBody,
        response: { 200: okSchema },
      },
    },
    async (req) => {
      requireScope(req.principal, "deployments:write");
      const d = await deployments.getOwnedByName(req.principal, req.body.deployment_name);
      await deployments.restart(req.principal, d);
      return {
        success: true as const,
        message: `deployment ${d.name} is restarting`,
        id: d.id,
        name: d.name,
      };
    },
  );

  r.post(
    "/deployments/deploy-image",
    {
      schema: {
        tags,
        summary: "Deploy a raw container image",
        description: USER_VALUES_DOC,
        body: z.strictObject({
          image: z.string().min(1).max(512),
          name: name.optional(),
          containerPort: z.number().int().min(1).max(65535).optional(),
          envVars: userEnvSchema.optional(),
          visibility: visibility.optional(),
          teamId: z.string().max(100).optional(),
        }),
        response: { 201: deploymentItemSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (req, reply) => {
      const d = await deployments.createFromImage(req.principal, req.body);
      return reply.code(201).send(deploymentItem(d, deps.ingress));
    },
  );

  r.get(
    "/deployments/config",
    {
      schema: {
        tags,
        summary: "Env vars of a deployment (secret values masked)",
        querystring: nameQuery,
        response: {
          200: z.object({ id: z.string(), name: z.string(), configData: z.record(z.string(), z.string()) }),
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwnedByName(req.principal, req.query.name);
      return { id: d.id, name: d.name, configData: await deployments.getConfig(req.principal, d.name) };
    },
  );

  r.put(
    "/deployments/config",
    {
      schema: {
        tags,
        summary: "Replace env vars and restart",
        description: USER_VALUES_DOC,
        body: z.strictObject({ deployment_name: name, configData: userEnvSchema }),
        response: {
          200: z.object({
            success: z.literal(true),
            id: z.string(),
            name: z.string(),
            configData: z.record(z.string(), z.string()),
          }),
        },
      },
    },
    async (req) => {
      requireScope(req.principal, "deployments:write");
      const d = await deployments.getOwnedByName(req.principal, req.body.deployment_name);
      const configData = await deployments.putConfig(req.principal, d.name, req.body.configData);
      return { success: true as const, id: d.id, name: d.name, configData };
    },
  );

  r.get(
    "/deployments/auto-update",
    {
      schema: {
        tags,
        summary: "Auto-update settings",
        querystring: nameQuery,
        response: {
          200: z.object({
            id: z.string(),
            name: z.string(),
            enabled: z.boolean(),
            strategy: z.enum(["rolling", "recreate"]),
          }),
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwnedByName(req.principal, req.query.name);
      return { id: d.id, name: d.name, ...d.autoUpdate };
    },
  );

  r.put(
    "/deployments/auto-update",
    {
      schema: {
        tags,
        summary: "Configure auto-update",
        body: z.strictObject({
          deployment_name: name,
          enabled: z.boolean(),
          strategy: z.enum(["rolling", "recreate"]).optional(),
        }),
        response: {
          200: z.object({
            id: z.string(),
            name: z.string(),
            enabled: z.boolean(),
            strategy: z.enum(["rolling", "recreate"]),
          }),
        },
      },
    },
    async (req) => {
      requireScope(req.principal, "deployments:write");
      const d = await deployments.getOwnedByName(req.principal, req.body.deployment_name);
      const settings = await deployments.setAutoUpdate(req.principal, d.name, req.body);
      return { id: d.id, name: d.name, ...settings };
    },
  );

  r.get(
    "/deployments/:name/logs",
    {
      schema: {
        tags,
        summary: "Container logs (follow=true streams plain text)",
        params: nameParams,
        querystring: z.strictObject({
          service: z.string().max(63).optional(),
          tail: z.coerce.number().int().min(0).max(10_000).default(100),
          follow: booleanQuery.default(false),
        }),
        response: { 200: z.object({ id: z.string(), name: z.string(), logs: z.string() }) },
      },
    },
    async (req, reply) => {
      const d = await deployments.getOwnedByName(req.principal, req.params.name);
      const logs = await observer.logs(d, { service: req.query.service, tail: req.query.tail });
      if (req.query.follow) {
        observer.workloadOf(d, req.query.service);
        return streamLines(req, reply, logs, (signal) =>
          observer.follow(d, { service: req.query.service, signal }),
        );
      }
      return { id: d.id, name: d.name, logs };
    },
  );

  r.get(
    "/deployments/:name/logs/stream",
    {
      schema: {
        tags,
        summary: "Log stream (Server-Sent Events)",
        params: nameParams,
        response: {
          200: z
            .string()
            .describe("`data: <line>` events, one per log line, and a `: keep-alive` comment every 15 s"),
        },
        querystring: z.strictObject({ service: z.string().max(63).optional() }),
        produces: ["text/event-stream"],
      },
    },
    async (req, reply) => {
      const d = await deployments.getOwnedByName(req.principal, req.params.name);
      observer.workloadOf(d, req.query.service);
      return streamSse(req, reply, deps.sseKeepAliveMs, (signal) =>
        observer.follow(d, { service: req.query.service, signal }),
      );
    },
  );

  r.get(
    "/deployments/:name/metrics",
    {
      schema: {
        tags,
        summary: "CPU and memory",
        params: nameParams,
        querystring: z.strictObject({ service: z.string().max(63).optional() }),
        response: {
          200: z.object({
            id: z.string(),
            name: z.string(),
            cpuUsage: z.string(),
            memoryUsage: z.string(),
            timestamp: z.string(),
          }),
        },
      },
    },
    async (req) => {
      const d = await deployments.getOwnedByName(req.principal, req.params.name);
      const m = await observer.metrics(d, req.query.service);
      return {
        id: d.id,
        name: d.name,
        cpuUsage: formatCpu(m.cpuMillicores),
        memoryUsage: formatMemory(m.memoryBytes),
        timestamp: m.at.toISOString(),
      };
    },
  );

  r.get(
    "/deployments/:name/history",
    {
      schema: {
        tags,
        summary: "Revision history",
        params: nameParams,
        response: { 200: z.object({ id: z.string(), name: z.string(), revisions: z.array(revisionSchema) }) },
      },
    },
    async (req) => {
      const d = await deployments.getOwnedByName(req.principal, req.params.name);
      return { id: d.id, name: d.name, revisions: (await observer.revisions(d)).map(revisionItem) };
    },
  );

  r.get(
    "/deployments/:name/events",
    {
      schema: {
        tags,
        summary: "Kubernetes-style runtime events",
        params: nameParams,
        response: { 200: z.object({ id: z.string(), name: z.string(), events: z.array(k8sEventSchema) }) },
      },
    },
    async (req) => {
      const d = await deployments.getOwnedByName(req.principal, req.params.name);
      return { id: d.id, name: d.name, events: (await observer.runtimeEvents(d)).map(k8sEvent) };
    },
  );
}
