/**
 * Validation of built-in kinds: types, formats (quantities, int32…) and required fields with
 * kubernetes-models@4.5.1, plus the API server's strict field validation (`fieldValidation=Strict`:
 * a field the kind does not declare is an error, not silently dropped) from the field tables of
 * @kubernetes/client-node's generated models.
 */
import { createRequire } from "node:module";
import * as k8s from "@kubernetes/client-node";
import { fieldPath } from "./paths.js";

const require = createRequire(import.meta.url);

interface ModelClass {
  new (data: unknown): { validate(): void };
}
interface Attribute {
  baseName: string;
  type: string;
}

const models = new Map<string, ModelClass | null>();

/** The kubernetes-models class of `group/version` `kind` (core group: ""), or null. */
function modelOf(group: string, version: string, kind: string): ModelClass | null {
  const key = `${group}/${version}/${kind}`;
  if (!models.has(key)) {
    let cls: ModelClass | null = null;
    if (
      /^[A-Za-z0-9.]*$/.test(group) &&
      /^v\d+[a-z0-9]*$/.test(version) &&
      /^[A-Z][A-Za-z0-9]*$/.test(kind)
    ) {
      try {
        const mod = require(`kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`) as Record<
          string,
          unknown
        >;
        cls = (mod[kind] as ModelClass | undefined) ?? null;
      } catch {
        cls = null;
      }
    }
    models.set(key, cls);
  }
  return models.get(key) ?? null;
}

/** Whether kubernetes-models knows `group/version` `kind`. */
export function isBuiltin(group: string, version: string, kind: string): boolean {
  return modelOf(group, version, kind) !== null;
}

const clientModels = k8s as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>;

/** client-node's model name for a kind (`V1Deployment`; `CoreV1Event` where names collide). */
function clientModelName(group: string, version: string, kind: string): string | undefined {
  const v = version[0]!.toUpperCase() + version.slice(1);
  const g = group ? group.split(".")[0]! : "core";
  const candidates = [`${v}${kind}`, `${g[0]!.toUpperCase()}${g.slice(1)}${v}${kind}`];
  return candidates.find((n) => clientModels[n]?.attributeTypeMap);
}

function unknownFields(type: string, value: unknown, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value))
      for (const [i, v] of value.entries()) unknownFields(array[1]!, v, `${path}/${i}`, out);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === "object" && !Array.isArray(value))
      for (const [k, v] of Object.entries(value)) unknownFields(map[1]!, v, `${path}/${k}`, out);
    return;
  }
  const attrs = clientModels[type]?.attributeTypeMap;
  if (!attrs || typeof value !== "object" || Array.isArray(value)) return;
  const byName = new Map(attrs.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const t = byName.get(k);
    if (t === undefined) out.push(`unknown field "${fieldPath(`${path}/${k}`)}"`);
    else unknownFields(t, v, `${path}/${k}`, out);
  }
}

interface AjvLikeError {
  instancePath: string;
  message?: string;
}

/** Errors of a built-in object (`isBuiltin` true for its kind). */
export function validateBuiltin(group: string, version: string, obj: Record<string, unknown>): string[] {
  const kind = String(obj.kind);
  const Model = modelOf(group, version, kind)!;
  const out: string[] = [];
  try {
    new Model(obj).validate();
  } catch (e) {
    const errors = (e as { errors?: AjvLikeError[] }).errors;
    if (!errors) out.push(String((e as Error).message));
    // ajv reports a bad quantity three times (number, format, oneOf): keep one line per field.
    const byPath = new Map<string, string[]>();
    for (const err of errors ?? []) {
      const at = fieldPath(err.instancePath);
      byPath.set(at, [...(byPath.get(at) ?? []), err.message ?? "is invalid"]);
    }
    for (const [at, msgs] of byPath) out.push(`${at}: Invalid value: ${[...new Set(msgs)].join("; ")}`);
  }
  const name = clientModelName(group, version, kind);
  if (name) unknownFields(name, obj, "", out);
  return out;
}
