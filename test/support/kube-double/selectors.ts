/**
 * Part of the Kubernetes API test double: label and field selectors.
 *
 * Follows "Labels and Selectors" (equality-based `=`, `==`, `!=`; set-based `in`, `notin`, exists `k`
 * and does-not-exist `!k`; requirements joined by commas are ANDed) and "Field Selectors" (only
 * `metadata.name` and `metadata.namespace` on every kind, plus the few per-kind fields the API server
 * supports; any other field is a 400, as on a real server).
 */
import { badRequest } from "./status-errors.js";
import type { KubeObject } from "./resources.js";

type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export type LabelSelector = Requirement[];

/** Splits at commas that are not inside a `( … )` value set. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, raw: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in "${raw}"`);
  return key;
}

function checkValue(value: string, raw: string): string {
  if (!VALUE.test(value))
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in "${raw}"`);
  return value;
}

/** Parses a `labelSelector` query parameter; throws a 400 KubeError on bad syntax. */
export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  if (!text) return [];
  return splitTop(text).map((raw): Requirement => {
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(raw);
    if (set) {
      const values = set[3]!
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v.length > 0)
        .map((v) => checkValue(v, raw));
      return { key: checkKey(set[1]!, raw), op: set[2] as "in" | "notin", values };
    }
    const eq = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(raw);
    if (eq) {
      const op = eq[2] === "!=" ? "!=" : "=";
      return { key: checkKey(eq[1]!, raw), op, value: checkValue(eq[3]!.trim(), raw) };
    }
    if (raw.startsWith("!")) return { key: checkKey(raw.slice(1).trim(), raw), op: "!exists" };
    return { key: checkKey(raw, raw), op: "exists" };
  });
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((req) => {
    const has = Object.hasOwn(l, req.key);
    switch (req.op) {
      case "=":
        return has && l[req.key] === req.value;
      case "!=":
        return !has || l[req.key] !== req.value;
      case "in":
        return has && req.values.includes(l[req.key]!);
      case "notin":
        return !has || !req.values.includes(l[req.key]!);
      case "exists":
        return has;
      case "!exists":
        return !has;
      default:
        return false;
    }
  });
}

/** A metav1.LabelSelector object ({matchLabels, matchExpressions}) as used in specs. */
export function matchesSelectorObject(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const reqs: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    op: "=",
    value,
  }));
  for (const e of selector.matchExpressions ?? []) {
    const op = e.operator.toLowerCase();
    if (op === "in" || op === "notin") reqs.push({ key: e.key, op, values: e.values ?? [] });
    else if (op === "exists") reqs.push({ key: e.key, op: "exists" });
    else if (op === "doesnotexist") reqs.push({ key: e.key, op: "!exists" });
  }
  return matchesLabels(reqs, labels);
}

/** Renders a label map as a selector string (`a=b,c=d`), as `status.selector` carries it. */
export const selectorString = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

/** Field selectors the API server supports beyond metadata.name/metadata.namespace, per kind. */
const KIND_FIELDS: Record<string, string[]> = {
  Pod: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
  ],
  Event: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
  Secret: ["type"],
  Namespace: ["status.phase"],
  Node: ["spec.unschedulable"],
  Job: ["status.successful"],
};

type FieldRequirement = { path: string; op: "=" | "!="; value: string };
export type FieldSelector = FieldRequirement[];

export function parseFieldSelector(text: string | null | undefined, kind: string): FieldSelector {
  if (!text) return [];
  return splitTop(text).map((raw) => {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(raw);
    if (!m) throw badRequest(`invalid selector: '${raw}'; can't understand '${raw}'`);
    const path = m[1]!;
    const allowed =
      path === "metadata.name" || path === "metadata.namespace" || (KIND_FIELDS[kind] ?? []).includes(path);
    if (!allowed) throw badRequest(`field label not supported: ${path}`);
    return { path, op: m[2] === "!=" ? "!=" : "=", value: m[3]!.trim() };
  });
}

function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (path === "source" && cur && typeof cur === "object")
    return String((cur as { component?: string }).component ?? "");
  return cur === undefined || cur === null ? "" : String(cur);
}

export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  return selector.every((req) => (fieldValue(obj, req.path) === req.value) === (req.op === "="));
}
