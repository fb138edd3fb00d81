/**
 * Response schemas of berth's platform API (/api), field for field as the capabilities' views
 * render them (teams/service.ts, auth/service.ts, templates/service.ts, agents/service.ts). They
 * document /openapi.json and type the SDK; responses are serialised as the views build them.
 */
import { z } from "zod";
import { SCOPES } from "../../capabilities/auth/principal.js";
import { runnableConfigSchema, workloadSpecSchema } from "../../domain/config-spec.js";
import { AGENT_STATUSES, TEMPLATE_STATUSES } from "../../domain/record-status.js";
import { TIERS } from "../../domain/tiers.js";

const time = z.string().describe("ISO 8601");

export const teamSchema = z.object({
  id: z.string(),
  name: z.string(),
  tier: z.enum(TIERS),
  deploymentLimit: z.number().int().nullable().describe("live deployments allowed; null is unlimited"),
  createdAt: time,
  updatedAt: time,
});

export const meSchema = z.object({
  keyId: z.string(),
  teamId: z.string().nullable(),
  userId: z.string().nullable(),
  scopes: z.array(z.enum(SCOPES)),
  team: teamSchema.nullable(),
});

export const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  teams: z.array(z.object({ teamId: z.string(), role: z.string() })),
  createdAt: time,
});

export const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  teamId: z.string().nullable(),
  scopes: z.array(z.enum(SCOPES)),
  fingerprint: z.string().describe("first 12 hex digits of the key's SHA-256, to tell keys apart"),
  createdAt: time,
});
export const issuedKeySchema = keySchema.extend({
  key: z.string().describe("the key itself, shown only once"),
});

export const templateSchema = z.object({
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  kind: z.enum(["official", "community"]),
  status: z.enum(TEMPLATE_STATUSES),
  ownerTeamId: z.string().nullable(),
  latestRevision: z.number().int(),
  forkedFrom: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
});
export const revisionSchema = z.object({
  revision: z.number().int(),
  configHash: z.string(),
  config: runnableConfigSchema,
  createdAt: time,
});
export const templateWithRevisionsSchema = templateSchema.extend({ revisions: z.array(revisionSchema) });
export const newRevisionSchema = templateSchema.extend({ revision: z.number().int() });

export const agentSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  name: z.string(),
  version: z.number().int(),
  status: z.enum(AGENT_STATUSES),
  spec: workloadSpecSchema,
  lastHeartbeatAt: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
});

export const heartbeatSchema = z.object({
  ok: z.literal(true),
  agentId: z.string(),
  resuming: z.array(z.string()).describe("ids of the paused deployments being resumed"),
});

export const billingEventSchema = z.object({
  id: z.string(),
  type: z.string(),
  deploymentId: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
  createdAt: time,
});

/** 204: no body. */
export const noContent = z.null().describe("No Content");
