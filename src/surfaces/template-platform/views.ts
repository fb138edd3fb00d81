/** Seed 004 representations of a deployment: list item, status, events, history. */
import { z } from "zod";
import type { Deployment, Ingress, IngressSettings } from "../../domain/deployment.js";
import { ingressesOf } from "../../domain/deployment.js";
import { isDeletingOrGone, isPausedLike, isServing, isStoppedOrFailed } from "../../domain/lifecycle.js";
import { PLATFORM_STATUSES, toPlatformStatus } from "../../domain/status.js";
import type { DeploymentRevisionRow, RuntimeEventRow } from "../../store/schema.js";

export const ingressSchema = z.object({
  id: z.string(),
  name: z.string(),
  host: z.string(),
  url: z.string(),
});

export const deploymentItemSchema = z.object({
  id: z.string().describe("canonical deployment id (UUIDv7)"),
  name: z.string(),
  status: z.enum(PLATFORM_STATUSES),
  template: z.string().nullable(),
  image: z.string().nullable(),
  visibility: z.enum(["public", "internal"]),
  ingresses: z.array(ingressSchema),
  lastError: z.string().optional(),
  canDelete: z.boolean(),
  deploymentReady: z.boolean(),
  teamId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function deploymentItem(d: Deployment, s: IngressSettings): z.infer<typeof deploymentItemSchema> {
  const status = toPlatformStatus(d.status);
  const item: z.infer<typeof deploymentItemSchema> = {
    id: d.id,
    name: d.name,
    status,
    template: d.source.templateSlug,
    image: d.source.image,
    visibility: d.visibility,
    ingresses: ingressesOf(d, s),
    canDelete: !isDeletingOrGone(d.status),
    deploymentReady: isServing(d.status),
    teamId: d.teamId,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
  if (isStoppedOrFailed(d.status))
    item.lastError = d.lastError ?? d.statusReason ?? "deployment is not running";
  return item;
}

export const statusSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(PLATFORM_STATUSES),
  deploymentReady: z.boolean(),
  allowDelete: z.boolean(),
  allowRequest: z.boolean().describe("whether the team may request another deployment now (tier limit)"),
  ingresses: z.array(ingressSchema),
  statusMessage: z.string().optional(),
});

export function statusView(
  d: Deployment,
  s: IngressSettings,
  allowRequest: boolean,
): z.infer<typeof statusSchema> {
  const ready = isServing(d.status);
  const ingresses: Ingress[] = ready ? ingressesOf(d, s) : [];
  const view: z.infer<typeof statusSchema> = {
    id: d.id,
    name: d.name,
    status: toPlatformStatus(d.status),
    deploymentReady: ready,
    allowDelete: !isDeletingOrGone(d.status),
    allowRequest,
    ingresses,
  };
  const message = statusMessage(d);
  if (message !== undefined) view.statusMessage = message;
  return view;
}

function statusMessage(d: Deployment): string | undefined {
  if (isStoppedOrFailed(d.status)) return d.lastError ?? d.statusReason ?? `deployment is ${d.status}`;
  if (isPausedLike(d.status)) return "deployment is paused; a request to its URL resumes it";
  if (d.statusReason) return d.statusReason;
  if (isServing(d.status)) return undefined;
  return `deployment is ${d.status}`;
}

export const k8sEventSchema = z.object({
  type: z.enum(["Normal", "Warning"]),
  reason: z.string(),
  message: z.string(),
  involvedObject: z.object({ kind: z.string(), name: z.string() }),
  count: z.number(),
  firstTimestamp: z.string(),
  lastTimestamp: z.string(),
});

export function k8sEvent(e: RuntimeEventRow): z.infer<typeof k8sEventSchema> {
  const [kind, ...rest] = e.object.split("/");
  return {
    type: e.type === "Warning" ? "Warning" : "Normal",
    reason: e.reason,
    message: e.message,
    involvedObject: { kind: kind === "pod" ? "Pod" : (kind ?? "Pod"), name: rest.join("/") || e.object },
    count: e.count,
    firstTimestamp: e.first_seen,
    lastTimestamp: e.last_seen,
  };
}

export const revisionSchema = z.object({
  revision: z.number(),
  reason: z.enum(["create", "config", "restart", "redeploy", "auto-update", "rollback"]).or(z.string()),
  message: z.string(),
  configHash: z.string(),
  actor: z.string().nullable(),
  createdAt: z.string(),
});

export const revisionItem = (r: DeploymentRevisionRow): z.infer<typeof revisionSchema> => ({
  revision: r.revision,
  reason: r.reason,
  message: r.message,
  configHash: r.config_hash,
  actor: r.actor,
  createdAt: r.created_at,
});
