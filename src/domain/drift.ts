/**
 * Drift of a deployment against its linked template (seed 000's manifest):
 * - `unlinked`: the deployment has no template (deployed from an image, an agent or a snapshot);
 * - `missing-template`: its template no longer exists or the caller can no longer read it;
 * - `unknown`: its linked revision cannot be found, or it runs a config that matches no revision it
 *   is linked to (redeployed from an explicit config snapshot), so berth cannot say how it compares;
 * - `template-updated`: it runs its linked revision exactly, and the template has a newer revision
 *   with a different config;
 * - `up-to-date`: it runs the template's latest config.
 */
export type Drift = "up-to-date" | "template-updated" | "missing-template" | "unlinked" | "unknown";

export interface DriftInput {
  linked: boolean;
  template: { latestRevision: number; latestHash: string } | undefined;
  linkedRevision: number | null;
  linkedRevisionHash: string | undefined;
  configHash: string;
}

export function driftOf(i: DriftInput): Drift {
  if (!i.linked) return "unlinked";
  if (!i.template) return "missing-template";
  if (i.linkedRevisionHash === undefined || i.linkedRevisionHash !== i.configHash) return "unknown";
  if (i.template.latestHash === i.configHash) return "up-to-date";
  return (i.linkedRevision ?? 0) < i.template.latestRevision ? "template-updated" : "up-to-date";
}
