/**
 * Builds the Fastify application: compilers, OpenAPI document (/openapi.json, /docs), health
 * probes, and each surface registered in its own encapsulated context with its own auth hook,
 * error renderer and not-found handler; the web dashboard's static files at /dashboard.
 */
import formbody from "@fastify/formbody";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { jsonSchemaTransform, validatorCompiler } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { z } from "zod";
import type { BerthError } from "../domain/errors.js";
import { renderAgentSurfaceError } from "../surfaces/agent-deployments/errors.js";
import { agentDeploymentRoutes } from "../surfaces/agent-deployments/routes.js";
import { renderApiError } from "../surfaces/api-errors.js";
import { renderCloudError } from "../surfaces/cloud/errors.js";
import { renderScheduledError } from "../surfaces/scheduled/errors.js";
import { idempotency } from "../surfaces/scheduled/idempotency.js";
import { scheduledRoutes } from "../surfaces/scheduled/routes.js";
import { cloudRoutes } from "../surfaces/cloud/routes.js";
import { platformRoutes } from "../surfaces/platform/routes.js";
import { templatePlatformRoutes } from "../surfaces/template-platform/routes.js";
import { dashboardRoutes } from "./dashboard.js";
import type { SurfaceDeps } from "./deps.js";
import { emptyJsonIsNoBody } from "./json-body.js";

export const BODY_LIMIT = 1024 * 1024;

export async function buildHttpApp(deps: SurfaceDeps, logger: Logger): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: !logger.isLevelEnabled("debug") }),
    routerOptions: { maxParamLength: 200 },
  });
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the API; serialising with plain JSON keeps the hot path fast.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest("principal", null as never);
  emptyJsonIsNoBody(app);

  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "berth",
        description: "Self-hosted deployment runtime for AI agents and apps",
        version: "0.1.0",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  const probe = (status: string) => z.object({ status: z.literal(status) });
  app.get(
    "/healthz",
    { schema: { tags: ["health"], summary: "Liveness", response: { 200: probe("ok") } } },
    async () => ({ status: "ok" }),
  );
  const readiness = {
    tags: ["health"],
    summary: "Readiness",
    response: { 200: probe("ready"), 503: probe("not ready") },
  };
  app.get("/readyz", { schema: readiness }, async (_req, reply) => {
    const ok = await deps.ready().catch(() => false);
    const standby = deps.standby();
    const isolation = deps.isolation?.();
    const shown = isolation ? { isolation: isolation.isolation, missing: isolation.missing } : {};
    if (ok && standby === undefined) return reply.code(200).send({ status: "ready", ...shown });
    return reply
      .code(503)
      .send({ status: "not ready", ...(standby !== undefined ? { reason: standby } : {}), ...shown });
  });

  /** Resolves the bearer key; a recently seen key is answered from memory without a store read. */
  const authenticate = (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const cached = deps.auth.cached(req.headers.authorization);
    if (cached) {
      req.principal = cached;
      return done();
    }
    deps.auth.authenticate(req.headers.authorization).then((p) => {
      req.principal = p;
      done();
    }, done);
  };

  await app.register(
    async (api) => {
      api.addHook("onRequest", authenticate);
      api.setErrorHandler((err: FastifyError | BerthError, req, reply) => renderApiError(err, req, reply));
      api.setNotFoundHandler((req, reply) =>
        reply.code(404).send({ error: `no route ${req.method} ${req.url.split("?")[0]}`, code: "NOT_FOUND" }),
      );
      platformRoutes(api, deps);
      templatePlatformRoutes(api, deps);
      await api.register(
        async (scheduled) => {
          scheduled.setErrorHandler((err: FastifyError | BerthError, req, reply) =>
            renderScheduledError(err, req, reply),
          );
          idempotency(scheduled, deps.store, deps.clock);
          scheduledRoutes(scheduled, deps);
        },
        { prefix: "/v1/cloud" },
      );
      await api.register(
        async (cloud) => {
          cloud.setErrorHandler((err: FastifyError | BerthError, req, reply) =>
            renderCloudError(err, req, reply),
          );
          cloudRoutes(cloud, deps);
        },
        { prefix: "/cloud-saas" },
      );
    },
    { prefix: "/api" },
  );

  await app.register(async (agents) => {
    agents.addHook("onRequest", authenticate);
    agents.setErrorHandler((err: FastifyError | BerthError, req, reply) =>
      renderAgentSurfaceError(err, req, reply),
    );
    agentDeploymentRoutes(agents, deps);
  });

  dashboardRoutes(app);

  app.setErrorHandler((err: FastifyError | BerthError, req, reply) => renderApiError(err, req, reply));
  app.setNotFoundHandler((req, reply) => {
    if (/^\/(deployments|agents)(\/|\?|$)/.test(req.url))
      return reply.code(404).send({ detail: "Not Found" });
    return reply
      .code(404)
      .send({ error: `no route ${req.method} ${req.url.split("?")[0]}`, code: "NOT_FOUND" });
  });
  return app;
}
