/**
 * berth's own platform API under /api: teams, users, API keys, templates with revisions, agents.
 * Same envelope as the template platform surface (`{error, code}`).
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { agentSpecSchema } from "../../domain/config-spec.js";
import { SCOPES } from "../../capabilities/auth/principal.js";
import { TIERS } from "../../domain/tiers.js";
import { TEMPLATE_STATUSES } from "../../domain/record-status.js";
import { AUTHOR_EXPANSION_DOC, runnableConfigSchema } from "../../domain/config-spec.js";
import type { SurfaceDeps } from "../../http/deps.js";
import { registryCredentialRoutes } from "./registry-credentials.js";
import {
  agentSchema,
  billingEventSchema,
  heartbeatSchema,
  issuedKeySchema,
  keySchema,
  meSchema,
  newRevisionSchema,
  noContent,
  teamSchema,
  templateSchema,
  templateWithRevisionsSchema,
  userSchema,
} from "./schemas.js";

const tags = ["platform"];
const id = z.string().min(1).max(100);
const slug = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, "must be lowercase letters, digits and dashes");
const label = z.string().trim().min(1).max(200);

export function platformRoutes(app: FastifyInstance, deps: SurfaceDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { auth, teams, templates, agents } = deps;
  registryCredentialRoutes(app, deps);

  r.get("/me", { schema: { tags, summary: "The calling key", response: { 200: meSchema } } }, async (req) => {
    const p = req.principal;
    return {
      keyId: p.keyId,
      teamId: p.teamId,
      userId: p.userId,
      scopes: [...p.scopes],
      team: p.teamId ? await teams.get(p, p.teamId) : null,
    };
  });

  r.post(
    "/teams",
    {
      schema: {
        tags,
        summary: "Create a team (admin)",
        response: { 201: teamSchema },
        body: z.strictObject({ name: label, tier: z.enum(TIERS).default("free") }),
      },
    },
    async (req, reply) => reply.code(201).send(await teams.create(req.principal, req.body)),
  );
  r.get(
    "/teams",
    { schema: { tags, summary: "List teams", response: { 200: z.object({ teams: z.array(teamSchema) }) } } },
    async (req) => ({
      teams: await teams.list(req.principal),
    }),
  );
  r.get(
    "/teams/:teamId",
    {
      schema: {
        tags,
        summary: "Get a team",
        response: { 200: teamSchema },
        params: z.strictObject({ teamId: id }),
      },
    },
    async (req) => teams.get(req.principal, req.params.teamId),
  );
  r.patch(
    "/teams/:teamId",
    {
      schema: {
        tags,
        summary: "Change a team's tier (admin)",
        response: { 200: teamSchema },
        params: z.strictObject({ teamId: id }),
        body: z.strictObject({ tier: z.enum(TIERS) }),
      },
    },
    async (req) => teams.setTier(req.principal, req.params.teamId, req.body.tier),
  );

  r.post(
    "/users",
    {
      schema: {
        tags,
        summary: "Create a user (admin)",
        response: { 201: userSchema },
        body: z.strictObject({
          email: z.email().max(320),
          name: label,
          teamId: id.optional(),
          role: z.enum(["owner", "member"]).default("member"),
        }),
      },
    },
    async (req, reply) => reply.code(201).send(await teams.createUser(req.principal, req.body)),
  );
  r.get(
    "/users",
    { schema: { tags, summary: "List users", response: { 200: z.object({ users: z.array(userSchema) }) } } },
    async (req) => ({
      users: await teams.listUsers(req.principal),
    }),
  );

  r.post(
    "/keys",
    {
      schema: {
        tags,
        summary: "Create an API key (returned once)",
        response: { 201: issuedKeySchema },
        body: z.strictObject({
          name: label,
          teamId: id.optional(),
          userId: id.optional(),
          scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
        }),
      },
    },
    async (req, reply) => reply.code(201).send(await auth.issue(req.principal, req.body)),
  );
  r.get(
    "/keys",
    {
      schema: {
        tags,
        summary: "List API keys (never their values)",
        response: { 200: z.object({ keys: z.array(keySchema) }) },
      },
    },
    async (req) => ({
      keys: await auth.list(req.principal),
    }),
  );
  r.delete(
    "/keys/:keyId",
    {
      schema: {
        tags,
        summary: "Revoke an API key",
        response: { 204: noContent },
        params: z.strictObject({ keyId: id }),
      },
    },
    async (req, reply) => {
      await auth.revoke(req.principal, req.params.keyId);
      return reply.code(204).send(null);
    },
  );

  r.get(
    "/templates",
    {
      schema: {
        tags,
        summary: "List templates",
        response: { 200: z.object({ templates: z.array(templateSchema) }) },
      },
    },
    async (req) => ({
      templates: await templates.list(req.principal),
    }),
  );
  r.post(
    "/templates",
    {
      schema: {
        tags,
        summary: "Create a template (revision 1)",
        description: AUTHOR_EXPANSION_DOC,
        response: { 201: templateWithRevisionsSchema },
        body: z.strictObject({
          slug,
          name: label.optional(),
          description: z.string().max(4000).optional(),
          kind: z.enum(["official", "community"]).optional(),
          config: runnableConfigSchema,
        }),
      },
    },
    async (req, reply) => reply.code(201).send(await templates.create(req.principal, req.body)),
  );
  r.get(
    "/templates/:slug",
    {
      schema: {
        tags,
        summary: "Get a template with its revisions",
        response: { 200: templateWithRevisionsSchema },
        params: z.strictObject({ slug }),
      },
    },
    async (req) => templates.get(req.principal, req.params.slug),
  );
  r.post(
    "/templates/:slug/revisions",
    {
      schema: {
        tags,
        summary: "Add an immutable revision",
        description: AUTHOR_EXPANSION_DOC,
        response: { 201: newRevisionSchema },
        params: z.strictObject({ slug }),
        body: z.strictObject({ config: runnableConfigSchema }),
      },
    },
    async (req, reply) =>
      reply.code(201).send(await templates.addRevision(req.principal, req.params.slug, req.body.config)),
  );
  r.delete(
    "/templates/:slug",
    {
      schema: {
        tags,
        summary: "Delete a template (its deployments keep running)",
        response: { 204: noContent },
        params: z.strictObject({ slug }),
      },
    },
    async (req, reply) => {
      await templates.delete(req.principal, req.params.slug);
      return reply.code(204).send(null);
    },
  );
  r.put(
    "/templates/:slug/status",
    {
      schema: {
        tags,
        summary: "Change review status (submit: owner; approve/reject: admin)",
        response: { 200: templateSchema },
        params: z.strictObject({ slug }),
        body: z.strictObject({ status: z.enum(TEMPLATE_STATUSES) }),
      },
    },
    async (req) => templates.setStatus(req.principal, req.params.slug, req.body.status),
  );

  r.post(
    "/agents",
    {
      schema: {
        tags,
        summary: "Create an agent",
        description: AUTHOR_EXPANSION_DOC,
        response: { 201: agentSchema },
        body: z.strictObject({
          name: label,
          version: z.number().int().min(1).max(1_000_000).optional(),
          teamId: id.optional(),
          spec: agentSpecSchema,
        }),
      },
    },
    async (req, reply) => reply.code(201).send(await agents.create(req.principal, req.body)),
  );
  r.get(
    "/agents",
    {
      schema: { tags, summary: "List agents", response: { 200: z.object({ agents: z.array(agentSchema) }) } },
    },
    async (req) => ({
      agents: await agents.list(req.principal),
    }),
  );
  r.get(
    "/agents/:agentId",
    {
      schema: {
        tags,
        summary: "Get an agent",
        response: { 200: agentSchema },
        params: z.strictObject({ agentId: id }),
      },
    },
    async (req) => agents.get(req.principal, req.params.agentId),
  );

  r.post(
    "/agents/:agentId/heartbeat",
    {
      schema: {
        tags,
        summary:
          "Agent heartbeat or usage snapshot; resumes the agent's paused deployments (fire-and-forget)",
        response: { 202: heartbeatSchema },
        params: z.strictObject({ agentId: id }),
        body: z
          .strictObject({
            agentId: id.optional(),
            at: z.string().max(64).optional(),
            usage: z.record(z.string().max(100), z.number()).optional(),
          })
          .nullish(),
      },
    },
    async (req, reply) => {
      const resuming = await deps.cloud.wakeAgent(req.principal, req.params.agentId, "heartbeat");
      return reply.code(202).send({ ok: true, agentId: req.params.agentId, resuming });
    },
  );

  r.get(
    "/teams/:teamId/billing-events",
    {
      schema: {
        tags,
        summary: "Billing events of a team, newest first",
        response: { 200: z.object({ events: z.array(billingEventSchema) }) },
        params: z.strictObject({ teamId: id }),
      },
    },
    async (req) => ({ events: await teams.billingEvents(req.principal, req.params.teamId) }),
  );
}
