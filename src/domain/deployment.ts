/** The canonical deployment record (camelCase, typed) built from its store row. */
import type { RunnableConfig, WorkloadSpec } from "./config-spec.js";
import type { CanonicalStatus } from "./status.js";
import type { DeploymentRow } from "../store/schema.js";

export type SourceType = "template" | "image" | "agent" | "snapshot";
export type Visibility = "public" | "internal";
export type UpdateStrategy = "rolling" | "recreate";

export interface Deployment {
  id: string;
  name: string;
  namespace: string;
  /** The namespace incarnation: what volumes, backups and the operation lock are keyed by. */
  namespaceId: string;
  teamId: string;
  createdBy: string | null;
  source: {
    type: SourceType;
    templateId: string | null;
    templateSlug: string | null;
    templateRevision: number | null;
    image: string | null;
    agentId: string | null;
  };
  config: RunnableConfig;
  configHash: string;
  manifestRevision: number;
  visibility: Visibility;
  replicas: number;
  autoUpdate: { enabled: boolean; strategy: UpdateStrategy };
  status: CanonicalStatus;
  statusReason: string | null;
  lastError: string | null;
  restartGeneration: number;
  isCurrent: boolean;
  idleTimeoutMs: number | null;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
  archivedAt: string | null;
}

const parsed = new WeakMap<DeploymentRow, Deployment>();

/** Rows served from the store's cache are the same objects, so their parsed form is memoised. */
export function toDeployment(r: DeploymentRow): Deployment {
  let d = parsed.get(r);
  if (!d) {
    d = parseRow(r);
    parsed.set(r, d);
  }
  return d;
}

function parseRow(r: DeploymentRow): Deployment {
  return {
    id: r.id,
    name: r.name,
    namespace: r.namespace,
    namespaceId: r.namespace_id,
    teamId: r.team_id,
    createdBy: r.created_by,
    source: {
      type: r.source_type as SourceType,
      templateId: r.template_id,
      templateSlug: r.template_slug,
      templateRevision: r.template_revision,
      image: r.image,
      agentId: r.agent_id,
    },
    config: JSON.parse(r.config_snapshot) as RunnableConfig,
    configHash: r.config_hash,
    manifestRevision: r.manifest_revision,
    visibility: r.visibility as Visibility,
    replicas: r.replicas,
    autoUpdate: { enabled: r.auto_update_enabled === 1, strategy: r.auto_update_strategy as UpdateStrategy },
    status: r.status as CanonicalStatus,
    statusReason: r.status_reason,
    lastError: r.last_error,
    restartGeneration: r.restart_generation,
    isCurrent: r.is_current === 1,
    idleTimeoutMs: r.idle_timeout_ms,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    endedAt: r.ended_at,
    archivedAt: r.archived_at,
  };
}

export const workloadKey = (deploymentId: string, workload: string): string => `${deploymentId}/${workload}`;

export function parseWorkloadKey(key: string): { deploymentId: string; workload: string } | undefined {
  const i = key.indexOf("/");
  if (i <= 0) return undefined;
  return { deploymentId: key.slice(0, i), workload: key.slice(i + 1) };
}

export interface Ingress {
  id: string;
  name: string;
  host: string;
  url: string;
}

export interface IngressSettings {
  domain: string;
  scheme: "http" | "https";
  port: number | undefined;
}

/** Public deployments get one ingress for their first listening workload, named after the namespace
 * (so it follows the namespace's current deployment across redeploys). */
export function ingressesOf(d: Deployment, s: IngressSettings): Ingress[] {
  if (d.visibility !== "public") return [];
  const primary = d.config.workloads.find((w) => w.port !== undefined || w.image !== undefined);
  if (!primary) return [];
  const host = `${d.namespace}.${s.domain}`;
  const defaultPort = s.scheme === "https" ? 443 : 80;
  const suffix = s.port === undefined || s.port === defaultPort ? "" : `:${s.port}`;
  return [{ id: primary.name, name: primary.name, host, url: `${s.scheme}://${host}${suffix}` }];
}

/** Replicas a workload runs with when up: an agent deployment's count, else the workload's own. */
export const desiredReplicas = (d: Deployment, w: { replicas: number }): number =>
  d.source.type === "agent" ? d.replicas : w.replicas;

/**
 * The workload a request names when it names none (SPEC §1): the first workload of kind agent,
 * else the first workload.
 */
export const defaultWorkload = (d: Deployment): WorkloadSpec | undefined =>
  d.config.workloads.find((w) => w.kind === "agent") ?? d.config.workloads[0];

/**
 * The workload an `agentId` names: a workload of that name, or (agent deployments) the agent's
 * own id for its first workload; without an `agentId`, the default workload.
 */
export function workloadNamed(d: Deployment, agentId: string | undefined): WorkloadSpec | undefined {
  if (agentId === undefined) return defaultWorkload(d);
  return (
    d.config.workloads.find((x) => x.name === agentId) ??
    (d.source.agentId === agentId ? d.config.workloads[0] : undefined)
  );
}
