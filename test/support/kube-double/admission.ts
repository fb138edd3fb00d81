/**
 * Part of the Kubernetes API test double: admission of a client's write — what the API server checks
 * on every object before storing it ("Object Names and IDs": DNS-1123 names, with Namespaces and
 * Services as DNS labels; "Labels and Selectors": label values), then the pluggable `validate` hook
 * (offline validation of built-in kinds and CRD schemas in berth's tests): any message is a 422
 * `Invalid`, recorded in `invalid()`.
 */
import type { KubeObject, ResourceDef } from "./resources.js";
import { badRequest, invalid } from "./status-errors.js";
import type { ObjectStore } from "./store.js";

export interface InvalidRecord {
  object: KubeObject;
  errors: string[];
}

export interface CrudContext {
  store: ObjectStore;
  /** `old` is the stored object on updates (for transition rules such as CEL `oldSelf`). */
  validate?: (obj: KubeObject, old?: KubeObject) => string[];
  invalid: InvalidRecord[];
}

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Kinds whose names must be DNS-1123 labels (they become DNS names or label values). */
const LABEL_NAMED = new Set(["Namespace", "Service"]);

function checkName(def: ResourceDef, obj: KubeObject): void {
  const name = obj.metadata?.name;
  if (!name) return;
  const asLabel = LABEL_NAMED.has(def.kind);
  const ok = asLabel ? LABEL.test(name) && name.length <= 63 : SUBDOMAIN.test(name) && name.length <= 253;
  if (!ok) {
    const rule = asLabel
      ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
      : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    throw invalid(def, name, [
      { reason: "FieldValueInvalid", field: "metadata.name", message: `Invalid value: "${name}": ${rule}` },
    ]);
  }
}

function checkLabels(def: ResourceDef, obj: KubeObject): void {
  for (const [k, v] of Object.entries(obj.metadata?.labels ?? {})) {
    if (typeof v !== "string" || v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))
      throw invalid(def, obj.metadata?.name ?? "", [
        {
          reason: "FieldValueInvalid",
          field: "metadata.labels",
          message: `Invalid value: "${String(v)}": a valid label value for ${k} must be 63 characters or less and consist of alphanumerics, '-', '_' or '.'`,
        },
      ]);
  }
}

export function runValidate(ctx: CrudContext, def: ResourceDef, obj: KubeObject, old?: KubeObject): void {
  checkName(def, obj);
  checkLabels(def, obj);
  if (!ctx.validate) return;
  const errors = ctx.validate(structuredClone(obj), old ? structuredClone(old) : undefined);
  if (errors.length === 0) return;
  ctx.invalid.push({ object: structuredClone(obj), errors });
  throw invalid(
    def,
    obj.metadata?.name ?? "",
    errors.map((message) => ({ reason: "FieldValueInvalid", message })),
  );
}

export function requireObject(body: unknown): KubeObject {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw badRequest("the request body must be a JSON object");
  return body as KubeObject;
}
