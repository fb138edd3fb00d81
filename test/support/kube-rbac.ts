/**
 * RBAC bookkeeping for the kubernetes runtime: which (API group, resource, verb) triples a set of
 * RBAC rules grants, which the driver used — the `union` of deploy/kubernetes/rbac-used.json, the
 * requests the Kubernetes API double recorded while the driver's tests ran, per test file (the
 * driver's test support writes it) — and the difference both ways, so the Helm chart grants
 * exactly what the driver uses.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One recorded use: `resource` is `plural` or `plural/subresource`; apiGroup "" is the core group. */
export interface RbacUse {
  apiGroup: string;
  resource: string;
  verbs: string[];
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const USE_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "deploy",
  "kubernetes",
  "rbac-used.json",
);

/** The recorded API use of the kubernetes driver: the union over the test files that recorded one. */
export function recordedDriverApiUse(): RbacUse[] {
  const file = JSON.parse(fs.readFileSync(USE_FILE, "utf8")) as {
    sources: Record<string, RbacUse[]>;
    union: RbacUse[];
  };
  if (Object.keys(file.sources).length === 0) throw new Error(`${USE_FILE} records no test run`);
  return file.union;
}

/** exec/attach are a WebSocket upgrade: authorized as `get` before Kubernetes 1.35, `create` from 1.35 on. */
const UPGRADES = new Set(["pods/exec", "pods/attach"]);

const key = (group: string, resource: string, verb: string) => `${group}|${resource}|${verb}`;

/** "group|resource|verb" of every use (an exec or attach counts as both its verbs). */
export function useTriples(use: RbacUse[]): Set<string> {
  const out = new Set<string>();
  for (const u of use) {
    const verbs = UPGRADES.has(u.resource) ? [...u.verbs, "get", "create"] : u.verbs;
    for (const v of verbs) out.add(key(u.apiGroup, u.resource, v));
  }
  return out;
}

/** "group|resource|verb" of everything `rules` grant; a wildcard or a non-resource rule is an error. */
export function grantedTriples(rules: PolicyRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) {
    const all = [...(r.apiGroups ?? []), ...(r.resources ?? []), ...r.verbs];
    if (all.includes("*"))
      throw new Error(`a wildcard rule grants more than the driver uses: ${JSON.stringify(r)}`);
    if (r.nonResourceURLs?.length) throw new Error(`a non-resource rule: ${JSON.stringify(r)}`);
    for (const g of r.apiGroups ?? [])
      for (const res of r.resources ?? []) for (const v of r.verbs) out.add(key(g, res, v));
  }
  return out;
}

/** What `granted` gives that the driver did not use, and what it used that is not granted. */
export function compareGrants(
  granted: Set<string>,
  used: Set<string>,
): { unused: string[]; missing: string[] } {
  return {
    unused: [...granted].filter((t) => !used.has(t)).sort(),
    missing: [...used].filter((t) => !granted.has(t)).sort(),
  };
}
