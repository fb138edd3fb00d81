/**
 * Names and labels of the Kubernetes objects berth creates. Every object carries
 * `app.kubernetes.io/managed-by: berth` and labels tying it to its berth namespace, team,
 * deployment and workload, so a driver that starts later lists and adopts them by label.
 *
 * - Kubernetes Namespace: `berth-<berth namespace id>` (ids are UUIDs or DNS labels).
 * - Workload object (StatefulSet or Sandbox): `<workload>-<10 hex of sha256(deployment, revision)>`,
 *   at most 51 characters (a StatefulSet name must leave room for its revision-hash label).
 * - Service and env Secret: `<workload>-<6 hex of the deployment id>`.
 * - PVC: `<workload>-data`, `<workload>-data-<8 hex>` after a restore (the newest ready one is current).
 *
 * Anything that does not map onto a valid name or label value is refused here, before any request.
 */
import { createHash } from "node:crypto";

export const MANAGED_BY = "app.kubernetes.io/managed-by";
export const L = {
  namespace: "berth.dev/namespace",
  team: "berth.dev/team",
  deployment: "berth.dev/deployment",
  workload: "berth.dev/workload",
  role: "berth.dev/role",
  revision: "berth.dev/revision",
  volume: "berth.dev/volume",
  sessionScope: "berth.dev/session-scope",
} as const;
export const A = {
  key: "berth.dev/key",
  specHash: "berth.dev/spec-hash",
  restartedAt: "berth.dev/restartedAt",
  volumeState: "berth.dev/volume-state",
  volumeGeneration: "berth.dev/volume-generation",
  restoreId: "berth.dev/restore-id",
  snapshotId: "berth.dev/snapshot-id",
} as const;

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const hash = (s: string, n: number): string =>
  createHash("sha256").update(s).digest("hex").slice(0, n);

export class InvalidReference extends Error {}

/** A label value, or InvalidReference naming what it was for. */
export function labelValue(v: string, what: string): string {
  if (!LABEL_VALUE.test(v))
    throw new InvalidReference(`${what} "${v.slice(0, 80)}" is not a valid Kubernetes label value`);
  return v;
}

/** The Kubernetes Namespace of a berth namespace (its incarnation id). */
export function kubeNamespace(berthNamespace: string): string {
  if (!DNS_LABEL.test(berthNamespace) || berthNamespace.length > 56) {
    throw new InvalidReference(
      `namespace "${berthNamespace.slice(0, 80)}" cannot name a Kubernetes namespace`,
    );
  }
  return `berth-${berthNamespace}`;
}

/** A workload's name inside its namespace (berth's workload names are DNS labels of ≤ 40 characters). */
export function workloadName(name: string): string {
  if (!DNS_LABEL.test(name) || name.length > 40 || !/^[a-z]/.test(name)) {
    throw new InvalidReference(`workload "${name.slice(0, 80)}" is not a DNS label of at most 40 characters`);
  }
  return name;
}

export const objectName = (workload: string, deploymentId: string, revision: string): string =>
  `${workloadName(workload)}-${hash(`${deploymentId}/${revision}`, 10)}`;

export const serviceName = (workload: string, deploymentId: string): string =>
  `${workloadName(workload)}-${hash(deploymentId, 6)}`;

export const pvcName = (workload: string, restoreId?: string): string =>
  restoreId === undefined
    ? `${workloadName(workload)}-data`
    : `${workloadName(workload)}-data-${hash(restoreId, 8)}`;

/** Splits a workload key `<deploymentId>/<workload>` (deployment ids are label values). */
export function parseKey(key: string): { deploymentId: string; workload: string } {
  const i = key.indexOf("/");
  const deploymentId = key.slice(0, i);
  const workload = key.slice(i + 1);
  if (i <= 0) throw new InvalidReference(`workload key "${key.slice(0, 80)}" has no deployment`);
  labelValue(deploymentId, "deployment id");
  workloadName(workload);
  return { deploymentId, workload };
}

export const selector = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
