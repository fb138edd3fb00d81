/**
 * ObjectMeta rules the API server applies to every object, built-in or custom: the name's syntax
 * (which depends on the kind), generateName, namespace, label keys and values, annotation keys and
 * their total size (k8s.io/apimachinery pkg/api/validation/objectmeta.go).
 */
import {
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  labelValue,
  pathSegmentName,
  qualifiedName,
} from "./names.js";

type Obj = Record<string, unknown>;
const TOTAL_ANNOTATION_BYTES = 256 * 1024;

/** Name rules by kind; every other kind's name is an RFC 1123 subdomain. */
const NAME_RULE: Record<string, (v: string) => string[]> = {
  Namespace: dns1123Label,
  Service: dns1035Label,
  Role: pathSegmentName,
  ClusterRole: pathSegmentName,
  RoleBinding: pathSegmentName,
  ClusterRoleBinding: pathSegmentName,
  // A Job's name becomes the value of its pods' `job-name` label, which the server validates.
  Job: (v) => [...dns1123Subdomain(v), ...labelValue(v).map((e) => `job-name label: ${e}`)],
};

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function stringMap(
  path: string,
  v: unknown,
  keyRule: (k: string) => string[],
  valueRule?: (v: string) => string[],
) {
  const errs: string[] = [];
  if (v === undefined) return errs;
  if (!isObj(v)) return [`${path}: must be a map of strings`];
  for (const [k, val] of Object.entries(v)) {
    for (const e of keyRule(k)) errs.push(`${path}: Invalid value: ${JSON.stringify(k)}: ${e}`);
    if (typeof val !== "string") errs.push(`${path}.${k}: must be a string`);
    else if (valueRule)
      for (const e of valueRule(val)) errs.push(`${path}.${k}: Invalid value: ${JSON.stringify(val)}: ${e}`);
  }
  return errs;
}

/** Errors of `metadata` of an object of `kind` (paths start at `prefix`, "metadata" at the root). */
export function validateObjectMeta(kind: string, meta: unknown, prefix = "metadata"): string[] {
  if (meta === undefined) return [`${prefix}.name: Required value: name or generateName is required`];
  if (!isObj(meta)) return [`${prefix}: must be an object`];
  const errs: string[] = [];
  const rule = NAME_RULE[kind] ?? dns1123Subdomain;
  const { name, generateName, namespace } = meta;
  if (name !== undefined && typeof name !== "string") errs.push(`${prefix}.name: must be a string`);
  if (typeof name === "string" && name.length > 0) {
    for (const e of rule(name)) errs.push(`${prefix}.name: Invalid value: ${JSON.stringify(name)}: ${e}`);
  } else if (typeof generateName === "string" && generateName.length > 0) {
    // The server appends 5 random characters to generateName and validates the prefix without its
    // trailing '-'.
    const stem = generateName.replace(/-$/, "");
    for (const e of rule(stem))
      errs.push(`${prefix}.generateName: Invalid value: ${JSON.stringify(generateName)}: ${e}`);
  } else {
    errs.push(`${prefix}.name: Required value: name or generateName is required`);
  }
  if (namespace !== undefined) {
    if (typeof namespace !== "string") errs.push(`${prefix}.namespace: must be a string`);
    else if (namespace.length > 0)
      for (const e of dns1123Label(namespace))
        errs.push(`${prefix}.namespace: Invalid value: ${JSON.stringify(namespace)}: ${e}`);
  }
  errs.push(...stringMap(`${prefix}.labels`, meta.labels, qualifiedName, labelValue));
  errs.push(...stringMap(`${prefix}.annotations`, meta.annotations, qualifiedName));
  if (isObj(meta.annotations)) {
    let bytes = 0;
    for (const [k, v] of Object.entries(meta.annotations)) bytes += k.length + String(v).length;
    if (bytes > TOTAL_ANNOTATION_BYTES)
      errs.push(`${prefix}.annotations: Too long: must have at most ${TOTAL_ANNOTATION_BYTES} bytes`);
  }
  return errs;
}
