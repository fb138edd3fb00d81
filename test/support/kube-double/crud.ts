/**
 * Part of the Kubernetes API test double: create, get, list, update, patch (and simplified apply),
 * delete and deletecollection, plus writes through the `status` subresource.
 *
 * Follows "API Concepts" (collections and lists with `limit`/`continue`, list `metadata.resourceVersion`,
 * typed lists whose built-in items carry no apiVersion/kind; the body's kind, namespace and name must
 * agree with the URL, else 400). Every object a client writes passes admission.ts after defaulting
 * and after its patch is applied; updates also pass the update rules of immutable.ts.
 */
import type { DeleteOptions } from "./store.js";
import { fillFromOld, immutableViolations } from "./immutable.js";
import { applyPatch, mergePatch, strategicMerge } from "./patch.js";
import { type KubeObject, type ResourceDef, apiVersionOf } from "./resources.js";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldSelector,
  type LabelSelector,
} from "./selectors.js";
import { KubeError, badRequest, invalid, methodNotAllowed } from "./status-errors.js";
import type { ResourcePath } from "./request-path.js";
import { type CrudContext, requireObject, runValidate } from "./admission.js";
export type { CrudContext, InvalidRecord } from "./admission.js";

export interface Reply {
  status: number;
  body: unknown;
}

function checkBodyIdentity(def: ResourceDef, path: ResourcePath, obj: KubeObject): void {
  if (obj.kind !== undefined && obj.kind !== def.kind && obj.kind !== "Scale")
    throw badRequest(
      `the kind of the provided object (${String(obj.kind)}) does not match the resource (${def.kind})`,
    );
  const ns = obj.metadata?.namespace;
  if (def.namespaced && ns !== undefined && ns !== path.namespace)
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  if (path.name !== undefined && obj.metadata?.name !== undefined && obj.metadata.name !== path.name)
    throw badRequest("the name of the object does not match the name on the URL");
}

/** Rewrites an object for the version the client asked for (no conversion, see resources.ts). */
export function asServed(def: ResourceDef, version: string, obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: apiVersionOf(def.group, version), kind: def.kind };
}

export function create(ctx: CrudContext, def: ResourceDef, path: ResourcePath, body: unknown): Reply {
  if (path.name !== undefined) throw methodNotAllowed();
  const obj = requireObject(body);
  checkBodyIdentity(def, path, obj);
  const candidate: KubeObject = { ...obj, apiVersion: apiVersionOf(def.group, path.version), kind: def.kind };
  if (def.namespaced) candidate.metadata = { ...(candidate.metadata ?? {}), namespace: path.namespace };
  if (!candidate.metadata?.name && !candidate.metadata?.generateName)
    throw invalid(def, "", [
      {
        reason: "FieldValueRequired",
        field: "metadata.name",
        message: "Required value: name or generateName is required",
      },
    ]);
  const stored = ctx.store.create(def, path.namespace, candidate, { check: (o) => runValidate(ctx, def, o) });
  return { status: 201, body: asServed(def, path.version, stored) };
}

export function get(ctx: CrudContext, def: ResourceDef, path: ResourcePath): Reply {
  return {
    status: 200,
    body: asServed(def, path.version, ctx.store.mustGet(def, path.namespace, path.name!)),
  };
}

export interface ListFilter {
  labels: LabelSelector;
  fields: FieldSelector;
}

export function parseFilter(def: ResourceDef, query: URLSearchParams): ListFilter {
  return {
    labels: parseLabelSelector(query.get("labelSelector")),
    fields: parseFieldSelector(query.get("fieldSelector"), def.kind),
  };
}

export const matchesFilter = (f: ListFilter, obj: KubeObject) =>
  matchesLabels(f.labels, obj.metadata?.labels) && matchesFields(f.fields, obj);

export function list(ctx: CrudContext, def: ResourceDef, path: ResourcePath, query: URLSearchParams): Reply {
  const filter = parseFilter(def, query);
  const all = ctx.store.list(def, path.namespace).filter((o) => matchesFilter(filter, o));
  let start = 0;
  const token = query.get("continue");
  if (token) {
    const parsed = /^(\d+)$/.exec(Buffer.from(token, "base64url").toString("utf8"));
    if (!parsed) throw badRequest("continue key is not valid");
    start = Number(parsed[1]);
  }
  const limitText = query.get("limit");
  const limit = limitText ? Number(limitText) : 0;
  if (limitText && (!Number.isInteger(limit) || limit < 0)) throw badRequest(`invalid limit: ${limitText}`);
  const page = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
  const next = start + page.length;
  const meta: Record<string, unknown> = { resourceVersion: ctx.store.resourceVersion };
  if (limit > 0 && next < all.length) {
    meta.continue = Buffer.from(String(next)).toString("base64url");
    meta.remainingItemCount = all.length - next;
  }
  const items = page.map((o) => {
    if (def.custom) return asServed(def, path.version, o);
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  });
  return {
    status: 200,
    body: {
      kind: `${def.kind}List`,
      apiVersion: apiVersionOf(def.group, path.version),
      metadata: meta,
      items,
    },
  };
}

export function update(ctx: CrudContext, def: ResourceDef, path: ResourcePath, body: unknown): Reply {
  if (path.name === undefined) throw methodNotAllowed();
  const obj = requireObject(body);
  checkBodyIdentity(def, path, obj);
  const current = ctx.store.mustGet(def, path.namespace, path.name);
  const status = path.subresource === "status";
  const candidate: KubeObject = {
    ...obj,
    apiVersion: status ? current.apiVersion : apiVersionOf(def.group, path.version),
    kind: def.kind,
  };
  candidate.metadata = {
    ...(obj.metadata ?? {}),
    name: path.name,
    ...(def.namespaced ? { namespace: path.namespace } : {}),
  };
  if (!status) {
    // Compared as the server compares them: after defaulting, with server-filled values kept.
    ctx.store.defaulter(def, candidate, false);
    fillFromOld(def, current, candidate);
    const causes = immutableViolations(def, current, candidate);
    if (causes.length > 0) throw invalid(def, path.name, causes);
  }
  const check = (o: KubeObject) => runValidate(ctx, def, o, current);
  const stored = ctx.store.update(
    def,
    path.namespace,
    candidate,
    status ? { subresource: "status", check } : { check },
  );
  return { status: 200, body: asServed(def, path.version, stored) };
}

export function patch(
  ctx: CrudContext,
  def: ResourceDef,
  path: ResourcePath,
  body: unknown,
  contentType: string,
  query: URLSearchParams,
): Reply {
  if (path.name === undefined) throw methodNotAllowed();
  if (contentType === APPLY_PATCH) return apply(ctx, def, path, body, query);
  const current = ctx.store.mustGet(def, path.namespace, path.name);
  const patched = applyPatch(contentType, current, body, def.custom === true);
  if (patched === null || typeof patched !== "object")
    throw badRequest("the patch did not produce an object");
  if (
    patched.metadata?.name !== path.name ||
    (def.namespaced && patched.metadata?.namespace !== path.namespace)
  )
    throw badRequest("the patch must not change metadata.name or metadata.namespace");
  if (patched.metadata?.resourceVersion === current.metadata?.resourceVersion) {
    // An unconditional patch: the server applies it to the latest version.
    delete patched.metadata!.resourceVersion;
  }
  return update(ctx, def, path, patched);
}

const APPLY_PATCH = "application/apply-patch+yaml";

/**
 * SIMPLIFIED server-side apply ("Server-Side Apply" in the docs): `fieldManager` is required; a
 * missing object is created; an existing one gets the applied fields merged in (strategic merge for
 * built-in kinds, merge patch for custom ones). No managedFields are kept, so fields a manager
 * stops applying are not removed and no ownership conflicts are reported.
 */
function apply(
  ctx: CrudContext,
  def: ResourceDef,
  path: ResourcePath,
  body: unknown,
  query: URLSearchParams,
): Reply {
  if (!query.get("fieldManager"))
    throw badRequest("PATCH, application/apply-patch+yaml: fieldManager is required for apply requests");
  const obj = requireObject(body);
  if (!obj.apiVersion || !obj.kind) throw badRequest("apply patches must carry apiVersion and kind");
  checkBodyIdentity(def, path, obj);
  const current = ctx.store.get(def, path.namespace, path.name!);
  if (!current) {
    const { name, ...collection } = path;
    return create(ctx, def, collection, { ...obj, metadata: { ...obj.metadata, name } });
  }
  const merged = (def.custom ? mergePatch(current, obj) : strategicMerge(current, obj)) as KubeObject;
  if (obj.metadata?.resourceVersion === undefined) delete merged.metadata!.resourceVersion;
  return update(ctx, def, path, merged);
}

export function remove(
  ctx: CrudContext,
  def: ResourceDef,
  path: ResourcePath,
  body: unknown,
  query: URLSearchParams,
): Reply {
  const opts = deleteOptions(body, query);
  const { object, gone } = ctx.store.delete(def, path.namespace, path.name!, opts);
  if (!gone) return { status: 200, body: asServed(def, path.version, object) };
  return {
    status: 200,
    body: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name: path.name, group: def.group, kind: def.resource, uid: object.metadata?.uid },
    },
  };
}

export function removeCollection(
  ctx: CrudContext,
  def: ResourceDef,
  path: ResourcePath,
  body: unknown,
  query: URLSearchParams,
): Reply {
  const filter = parseFilter(def, query);
  const opts = deleteOptions(body, query);
  const items: KubeObject[] = [];
  for (const obj of ctx.store.list(def, path.namespace)) {
    if (!matchesFilter(filter, obj)) continue;
    try {
      items.push(ctx.store.delete(def, obj.metadata!.namespace, obj.metadata!.name!, opts).object);
    } catch (err) {
      if (!(err instanceof KubeError && err.code === 404)) throw err;
    }
  }
  return {
    status: 200,
    body: { kind: `${def.kind}List`, apiVersion: apiVersionOf(def.group, path.version), metadata: {}, items },
  };
}

function deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const b = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const policy = (b.propagationPolicy ?? query.get("propagationPolicy") ?? undefined) as string | undefined;
  if (policy !== undefined && !["Orphan", "Background", "Foreground"].includes(policy))
    throw badRequest(`invalid propagationPolicy: ${policy}`);
  const grace = b.gracePeriodSeconds ?? query.get("gracePeriodSeconds") ?? undefined;
  const graceNum = grace === undefined ? undefined : Number(grace);
  if (graceNum !== undefined && (!Number.isInteger(graceNum) || graceNum < 0))
    throw badRequest(`invalid gracePeriodSeconds: ${String(grace)}`);
  const pre =
    b.preconditions && typeof b.preconditions === "object"
      ? (b.preconditions as DeleteOptions["preconditions"])
      : undefined;
  const orphan = b.orphanDependents ?? query.get("orphanDependents");
  return {
    ...(policy
      ? { propagationPolicy: policy as DeleteOptions["propagationPolicy"] }
      : orphan === true || orphan === "true"
        ? { propagationPolicy: "Orphan" as const }
        : {}),
    ...(graceNum !== undefined ? { gracePeriodSeconds: graceNum } : {}),
    ...(pre ? { preconditions: pre } : {}),
  };
}
