/**
 * Validation of custom resources against their CustomResourceDefinitions, as the API server does
 * with a structural schema: the served version's `openAPIV3Schema` compiled with ajv, every object
 * node refusing fields it does not declare (unless `x-kubernetes-preserve-unknown-fields`),
 * `x-kubernetes-int-or-string`, list types `set`/`map` (no duplicates), and the CEL rules of
 * `x-kubernetes-validations` (./cel.ts). `metadata` is checked as ObjectMeta elsewhere.
 */
import fs from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import YAML from "yaml";
import { type CelRule, checkRule } from "./cel.js";
import { atPointer, fieldPath } from "./paths.js";

type Schema = Record<string, unknown>;

interface CrdVersion {
  name: string;
  served: boolean;
  schema?: { openAPIV3Schema?: Schema };
}

interface Crd {
  spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
}

/** The old object of the update being validated (transition rules read `oldSelf` from it). */
let currentOld: unknown;

function celKeyword(rules: CelRule[], data: unknown, _parent: unknown, cxt?: { instancePath: string }) {
  const at = cxt?.instancePath ?? "";
  const errors: Partial<ErrorObject>[] = [];
  const old = currentOld === undefined || /\/\d+(\/|$)/.test(at) ? undefined : atPointer(currentOld, at);
  for (const r of rules) {
    const msg = checkRule(r, data, old);
    if (msg === undefined) continue;
    const path = r.fieldPath
      ? `${fieldPath(at) === "<root>" ? "" : fieldPath(at)}${r.fieldPath}`
      : fieldPath(at);
    errors.push({ keyword: "x-kubernetes-validations", message: `${path}: Invalid value: ${msg}` });
  }
  celValidate.errors = errors;
  return errors.length === 0;
}
const celValidate = celKeyword as typeof celKeyword & { errors?: Partial<ErrorObject>[] };

function listTypeKeyword(type: string, data: unknown, parent?: Schema, cxt?: { instancePath: string }) {
  if (!Array.isArray(data) || (type !== "set" && type !== "map")) return true;
  const keys = (parent?.["x-kubernetes-list-map-keys"] as string[] | undefined) ?? [];
  const seen = new Set<string>();
  for (const item of data) {
    const id =
      type === "set"
        ? JSON.stringify(item)
        : JSON.stringify(keys.map((k) => (item as Record<string, unknown>)?.[k]));
    if (seen.has(id)) {
      listValidate.errors = [
        {
          keyword: "x-kubernetes-list-type",
          message: `${fieldPath(cxt?.instancePath ?? "")}: Duplicate value: ${id}`,
        },
      ];
      return false;
    }
    seen.add(id);
  }
  return true;
}
const listValidate = listTypeKeyword as typeof listTypeKeyword & { errors?: Partial<ErrorObject>[] };

/** A copy of a CRD schema node in which every object without preserve-unknown-fields is closed. */
function structural(node: Schema, isRoot = false): Schema {
  const out: Schema = { ...node };
  if (node["x-kubernetes-int-or-string"] === true) {
    delete out.type;
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (isObject(node.properties)) {
    const props: Record<string, Schema> = {};
    const embedded = isRoot || node["x-kubernetes-embedded-resource"] === true;
    // An object's metadata is validated as ObjectMeta, not by the CRD's schema (a bare `object`).
    for (const [k, v] of Object.entries(node.properties as Record<string, Schema>))
      props[k] = embedded && k === "metadata" ? { type: "object" } : structural(v);
    if (embedded) {
      props.apiVersion ??= { type: "string" };
      props.kind ??= { type: "string" };
      props.metadata ??= { type: "object" };
    }
    out.properties = props;
  }
  if (isObject(node.items)) out.items = structural(node.items as Schema);
  if (isObject(node.additionalProperties))
    out.additionalProperties = structural(node.additionalProperties as Schema);
  for (const k of ["allOf", "anyOf", "oneOf"] as const)
    if (Array.isArray(node[k])) out[k] = (node[k] as Schema[]).map((s) => structural(s));
  const open =
    node["x-kubernetes-preserve-unknown-fields"] === true || node.additionalProperties !== undefined;
  if (node.type === "object" && !open) out.additionalProperties = false;
  return out;
}

const isObject = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: true });
  ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    schemaType: "array",
    errors: true,
    validate: celValidate,
  });
  ajv.addKeyword({
    keyword: "x-kubernetes-list-type",
    schemaType: "string",
    errors: true,
    validate: listValidate,
  });
  for (const k of [
    "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-int-or-string",
    "x-kubernetes-embedded-resource",
    "x-kubernetes-list-map-keys",
    "x-kubernetes-map-type",
  ])
    ajv.addKeyword({ keyword: k });
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31,
  });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat("date-time", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  return ajv;
}

/** What the API server answers for each ajv error, by field path. */
function messages(errors: ErrorObject[] | null | undefined): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    const at = fieldPath(e.instancePath);
    if (e.keyword === "additionalProperties") {
      const field = String(e.params.additionalProperty);
      out.push(`unknown field "${at === "<root>" ? field : `${at}.${field}`}"`);
    } else if (e.keyword === "x-kubernetes-validations" || e.keyword === "x-kubernetes-list-type") {
      out.push(String(e.message));
    } else if (e.keyword === "required") {
      out.push(`${at === "<root>" ? "" : `${at}.`}${String(e.params.missingProperty)}: Required value`);
    } else if (e.keyword === "enum") {
      out.push(
        `${at}: Unsupported value: supported values: ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`,
      );
    } else if (e.keyword !== "anyOf" && e.keyword !== "if") {
      out.push(`${at}: Invalid value: ${e.message ?? e.keyword}`);
    }
  }
  return [...new Set(out)];
}

/** The CRDs of `files`, compiled lazily per served version. */
export class CrdValidators {
  private readonly byGroupKind = new Map<string, Crd>();
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly ajv = newAjv();

  constructor(files: string[]) {
    for (const file of files)
      for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, "utf8"))) {
        const crd = doc.toJS() as Crd | null;
        if (crd?.spec?.group && crd.spec.names?.kind)
          this.byGroupKind.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd);
      }
  }

  /** Whether a CRD defines kind `kind` of API group `group`. */
  has(group: string, kind: string): boolean {
    return this.byGroupKind.has(`${group}/${kind}`);
  }

  /** Errors of `obj` (of a kind this holds) at `version`; `old` is the stored object on an update. */
  validate(group: string, version: string, obj: Record<string, unknown>, old?: unknown): string[] {
    const crd = this.byGroupKind.get(`${group}/${String(obj.kind)}`);
    const v = crd?.spec.versions.find((x) => x.name === version);
    if (!crd || !v?.served)
      return [
        `no matches for kind "${String(obj.kind)}" in version "${group}/${version}" (not served by its CRD)`,
      ];
    const key = `${group}/${version}/${crd.spec.names.kind}`;
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile(structural(v.schema?.openAPIV3Schema ?? { type: "object" }, true));
      this.compiled.set(key, fn);
    }
    currentOld = old;
    try {
      fn(obj);
      return messages(fn.errors);
    } finally {
      currentOld = undefined;
    }
  }
}
