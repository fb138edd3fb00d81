/**
 * Part of the Kubernetes API test double: the `scale` subresource, per "Scale subresource" in the
 * API docs and CRDs' `subresources.scale`: GET answers an autoscaling/v1 Scale built from the
 * object's replicas paths; PUT/PATCH of a Scale sets the spec replicas path (a non-negative integer,
 * else 422) of the object itself, through the same admission as any write.
 */
import { type CrudContext, requireObject, runValidate } from "./admission.js";
import type { Reply } from "./crud.js";
import { applyPatch } from "./patch.js";
import type { ResourcePath } from "./request-path.js";
import type { KubeObject, ResourceDef } from "./resources.js";
import { KubeError, invalid } from "./status-errors.js";

function at(obj: KubeObject, jsonPath: string): unknown {
  let cur: unknown = obj;
  for (const p of jsonPath.replace(/^\./, "").split("."))
    cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[p] : undefined;
  return cur;
}

function setAt(obj: KubeObject, jsonPath: string, value: unknown): void {
  const parts = jsonPath.replace(/^\./, "").split(".");
  let cur: Record<string, unknown> = obj;
  for (const p of parts.slice(0, -1)) {
    cur[p] ??= {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts.at(-1)!] = value;
}

function scaleOf(def: ResourceDef, obj: KubeObject) {
  const s = def.scale!;
  const selector = s.labelSelectorPath ? at(obj, s.labelSelectorPath) : undefined;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: obj.metadata!.name,
      namespace: obj.metadata!.namespace,
      uid: obj.metadata!.uid,
      resourceVersion: obj.metadata!.resourceVersion,
      creationTimestamp: obj.metadata!.creationTimestamp,
    },
    spec: { replicas: (at(obj, s.specReplicasPath) as number | undefined) ?? 0 },
    status: {
      replicas: (at(obj, s.statusReplicasPath) as number | undefined) ?? 0,
      ...(typeof selector === "string" ? { selector } : {}),
    },
  };
}

export function scale(
  ctx: CrudContext,
  def: ResourceDef,
  path: ResourcePath,
  method: string,
  body: unknown,
  contentType: string,
): Reply {
  if (!def.scale || !(def.scaleVersions?.includes(path.version) ?? true))
    throw new KubeError(404, "NotFound", "the server could not find the requested resource");
  const current = ctx.store.mustGet(def, path.namespace, path.name!);
  if (method === "GET") return { status: 200, body: scaleOf(def, current) };
  const now = scaleOf(def, current);
  const next =
    method === "PATCH"
      ? applyPatch(
          contentType === "application/strategic-merge-patch+json"
            ? "application/merge-patch+json"
            : contentType,
          now,
          body,
          false,
        )
      : requireObject(body);
  const replicas = next.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0)
    throw invalid(def, path.name!, [
      {
        reason: "FieldValueInvalid",
        field: "spec.replicas",
        message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      },
    ]);
  const rv = next.metadata?.resourceVersion;
  const updated = structuredClone(current);
  setAt(updated, def.scale.specReplicasPath, replicas);
  if (method !== "PATCH" && rv) updated.metadata!.resourceVersion = rv;
  else delete updated.metadata!.resourceVersion;
  const stored = ctx.store.update(def, path.namespace, updated, { check: (o) => runValidate(ctx, def, o) });
  return { status: 200, body: scaleOf(def, stored) };
}
