/**
 * /api/registry-credentials: a team's logins to private container registries, used by the
 * container runtime to pull that team's images (capabilities/registry-credentials/service.ts).
 * The password is write-only: no response carries it. Same envelope as the rest of /api.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { SurfaceDeps } from "../../http/deps.js";
import { noContent } from "./schemas.js";

const tags = ["platform"];
const time = z.string().describe("ISO 8601");

export const registryCredentialSchema = z.object({
  registry: z.string().describe("host[:port]; docker.io for Docker Hub"),
  username: z.string(),
  createdAt: time,
  updatedAt: time,
});

const registryParam = z.strictObject({
  registry: z
    .string()
    .min(1)
    .max(255)
    .describe("host[:port] of the registry, e.g. ghcr.io or registry.example.com:5000"),
});
const teamQuery = z.strictObject({
  teamId: z.string().min(1).max(100).optional().describe("the team (admin keys without a team)"),
});

export function registryCredentialRoutes(app: FastifyInstance, deps: SurfaceDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { registryCredentials } = deps;

  r.get(
    "/registry-credentials",
    {
      schema: {
        tags,
        summary: "List the team's container registry logins (never their passwords)",
        querystring: teamQuery,
        response: { 200: z.object({ credentials: z.array(registryCredentialSchema) }) },
      },
    },
    async (req) => ({ credentials: await registryCredentials.list(req.principal, req.query.teamId) }),
  );
  r.put(
    "/registry-credentials/:registry",
    {
      schema: {
        tags,
        summary: "Store the team's login to a container registry (the password is sealed and never returned)",
        params: registryParam,
        querystring: teamQuery,
        body: z.strictObject({
          username: z
            .string()
            .min(1)
            .max(255)
            .regex(/^[^\s:]+$/, "must not contain spaces or colons"),
          password: z.string().min(1).max(4096),
        }),
        response: { 200: registryCredentialSchema },
      },
    },
    async (req) =>
      registryCredentials.put(req.principal, req.params.registry, { ...req.body, teamId: req.query.teamId }),
  );
  r.get(
    "/registry-credentials/:registry",
    {
      schema: {
        tags,
        summary: "Get the team's login to a container registry (without its password)",
        params: registryParam,
        querystring: teamQuery,
        response: { 200: registryCredentialSchema },
      },
    },
    async (req) => registryCredentials.get(req.principal, req.params.registry, req.query.teamId),
  );
  r.delete(
    "/registry-credentials/:registry",
    {
      schema: {
        tags,
        summary: "Delete the team's login to a container registry",
        params: registryParam,
        querystring: teamQuery,
        response: { 204: noContent },
      },
    },
    async (req, reply) => {
      await registryCredentials.remove(req.principal, req.params.registry, req.query.teamId);
      return reply.code(204).send(null);
    },
  );
}
