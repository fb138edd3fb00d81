/**
 * RBAC bookkeeping for the kubernetes runtime: which (API group, resource, verb) triples a set of
 * RBAC rules grants, which the driver used (from the requests the Kubernetes API double recorded,
 * or the committed record test/fixtures/kubernetes-driver-api-use.json), and the difference both
 * ways — so the Helm chart grants exactly what the driver uses.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** One API use: `resource` is `plural` or `plural/subresource`; group "" is the core group. */
export interface ApiUse {
  group: string;
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

/** A request as the double records it (its RBAC verb). */
export interface RecordedRequest {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
}

const USE_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "fixtures",
  "kubernetes-driver-api-use.json",
);

/** The committed record of the driver's API use. */
export function recordedDriverApiUse(): ApiUse[] {
  return (JSON.parse(fs.readFileSync(USE_FILE, "utf8")) as { use: ApiUse[] }).use;
}

/** exec/attach are a WebSocket upgrade: `get` before Kubernetes 1.35, `create` from 1.35 on. */
const UPGRADES = new Set(["pods/exec", "pods/attach"]);

const key = (group: string, resource: string, verb: string) => `${group}|${resource}|${verb}`;

/** "group|resource|verb" of every use. */
export function useTriples(use: ApiUse[]): Set<string> {
  const out = new Set<string>();
  for (const u of use) {
    const verbs = UPGRADES.has(u.resource) ? [...u.verbs, "get", "create"] : u.verbs;
    for (const v of verbs) out.add(key(u.group, u.resource, v));
  }
  return out;
}

/** The driver's use as recorded by the double: one entry per (group, resource). */
export function apiUseOf(requests: RecordedRequest[]): ApiUse[] {
  const byResource = new Map<string, ApiUse>();
  for (const r of requests) {
    const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
    const k = `${r.group}|${resource}`;
    const u = byResource.get(k) ?? { group: r.group, resource, verbs: [] };
    if (!u.verbs.includes(r.verb)) u.verbs.push(r.verb);
    byResource.set(k, u);
  }
  return [...byResource.values()];
}

/** "group|resource|verb" of everything `rules` grant; a wildcard or a name-limited rule is an error. */
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
