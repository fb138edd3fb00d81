/**
 * Part of the Kubernetes API test double: the three PATCH content types.
 *
 * Follows "API Concepts → Patch operations" / "Update API Objects in Place Using kubectl patch":
 * - `application/json-patch+json`: RFC 6902 (applied with fast-json-patch);
 * - `application/merge-patch+json`: RFC 7386 (objects merge, `null` deletes, lists replace);
 * - `application/strategic-merge-patch+json`: like merge patch, except lists that carry a patch merge
 *   key in the built-in types (containers/env/volumes by `name`, volumeMounts by `mountPath`, ports by
 *   `containerPort` or `port`, conditions by `type`, ownerReferences by `uid`) merge item by item, and
 *   `finalizers` merge as a set; the `$patch: replace|delete` directive is honoured and
 *   `$setElementOrder`/`$retainKeys` directives are accepted and ignored. Custom resources refuse it
 *   with 415, as the API server does.
 * Server-side apply (`application/apply-patch+yaml`) is simplified in crud.ts.
 */
import fastJsonPatch from "fast-json-patch";
import { KubeError, badRequest } from "./status-errors.js";
import type { KubeObject } from "./resources.js";

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
] as const;

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

const NAME_KEYED = new Set([
  "containers",
  "initContainers",
  "ephemeralContainers",
  "imagePullSecrets",
  "env",
  "volumes",
  "hostAliases",
]);

function mergeKeyFor(field: string, items: Json[]): string | undefined {
  if (NAME_KEYED.has(field)) return field === "hostAliases" ? "ip" : "name";
  if (field === "volumeMounts") return "mountPath";
  if (field === "volumeDevices") return "devicePath";
  if (field === "conditions") return "type";
  if (field === "ownerReferences") return "uid";
  if (field === "ports")
    return items.some((i) => isObject(i) && "containerPort" in i) ? "containerPort" : "port";
  return undefined;
}

function strategicList(field: string, target: Json, patch: Json[]): Json {
  const base = Array.isArray(target) ? target : [];
  if (field === "finalizers") return [...new Set([...base, ...patch])];
  const key = mergeKeyFor(field, [...base, ...patch]);
  if (!key) return structuredClone(patch.filter((p) => !(isObject(p) && "$patch" in p)));
  const out = [...base];
  for (const item of patch) {
    if (!isObject(item) || !(key in item))
      throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const at = out.findIndex((o) => isObject(o) && o[key] === item[key]);
    if (item.$patch === "delete") {
      if (at >= 0) out.splice(at, 1);
      continue;
    }
    if (at >= 0) out[at] = strategicMerge(out[at], item);
    else out.push(strategicMerge(undefined, item));
  }
  return out;
}

export function strategicMerge(target: Json, patch: Json, field = ""): Json {
  if (Array.isArray(patch)) return strategicList(field, target, patch);
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$setElementOrder/") || key === "$retainKeys" || key === "$patch") continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const listKey = key.slice("$deleteFromPrimitiveList/".length);
      const remove = new Set(Array.isArray(value) ? value : []);
      if (Array.isArray(out[listKey])) out[listKey] = (out[listKey] as Json[]).filter((v) => !remove.has(v));
      continue;
    }
    if (value === null) delete out[key];
    else out[key] = strategicMerge(out[key], value, key);
  }
  return out;
}

export function jsonPatch(target: KubeObject, ops: Json): KubeObject {
  if (!Array.isArray(ops)) throw badRequest("json patch must be an array of operations");
  const error = fastJsonPatch.validate(ops as fastJsonPatch.Operation[], structuredClone(target));
  if (error)
    throw new KubeError(
      422,
      "Invalid",
      `the server rejected our request due to an error in our request: ${error.message}`,
    );
  try {
    return fastJsonPatch.applyPatch(structuredClone(target), ops as fastJsonPatch.Operation[], false, true)
      .newDocument;
  } catch (err) {
    throw new KubeError(
      422,
      "Invalid",
      `the server rejected our request due to an error in our request: ${(err as Error).message}`,
    );
  }
}

/** Applies a PATCH body of the given content type to a copy of `target`. */
export function applyPatch(contentType: string, target: KubeObject, body: Json, custom: boolean): KubeObject {
  switch (contentType) {
    case "application/json-patch+json":
      return jsonPatch(target, body);
    case "application/merge-patch+json":
      if (!isObject(body)) throw badRequest("merge patch must be a JSON object");
      return mergePatch(target, body) as KubeObject;
    case "application/strategic-merge-patch+json":
      if (custom)
        throw new KubeError(
          415,
          "UnsupportedMediaType",
          "strategic merge patch is not supported for custom resources",
        );
      if (!isObject(body)) throw badRequest("strategic merge patch must be a JSON object");
      return strategicMerge(target, body) as KubeObject;
    default:
      throw new KubeError(
        415,
        "UnsupportedMediaType",
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(", ")}`,
      );
  }
}
