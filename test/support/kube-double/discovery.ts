/**
 * Part of the Kubernetes API test double: API discovery.
 *
 * Follows "API Overview → Discovery" (the unaggregated documents kubectl and client libraries read):
 * `/api` (APIVersions), `/api/v1` and `/apis/{group}/{version}` (APIResourceList, with subresources
 * listed as `pods/log`, `statefulsets/scale`, …), `/apis` (APIGroupList) and `/apis/{group}` (APIGroup).
 * Installed CRDs appear with their served versions; the preferred version is the first served one.
 */
import { type ResourceDef, type ResourceTable, apiVersionOf, verbsOf } from "./resources.js";

function groups(table: ResourceTable): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const def of table.all()) {
    if (!def.group) continue;
    const versions = out.get(def.group) ?? [];
    for (const v of def.versions) if (!versions.includes(v)) versions.push(v);
    out.set(def.group, versions);
  }
  return out;
}

const groupDoc = (name: string, versions: string[]) => ({
  name,
  versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
  preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
});

export function apiVersions() {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
  };
}

export function apiGroupList(table: ResourceTable) {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups(table)].map(([name, versions]) => groupDoc(name, versions)),
  };
}

export function apiGroup(table: ResourceTable, group: string) {
  const versions = groups(table).get(group);
  return versions ? { kind: "APIGroup", apiVersion: "v1", ...groupDoc(group, versions) } : undefined;
}

function entries(def: ResourceDef, version: string) {
  const base = {
    name: def.resource,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: verbsOf(def),
    ...(def.shortNames && def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
  };
  const sub = (name: string, kind: string, verbs: string[]) => ({
    name: `${def.resource}/${name}`,
    singularName: "",
    namespaced: def.namespaced,
    kind,
    verbs,
  });
  const out: object[] = [base];
  if (def.status) out.push(sub("status", def.kind, ["get", "patch", "update"]));
  if (def.scale && (def.scaleVersions?.includes(version) ?? true))
    out.push({ ...sub("scale", "Scale", ["get", "patch", "update"]), group: "autoscaling", version: "v1" });
  for (const s of def.extraSubresources ?? [])
    out.push(sub(s, s === "log" ? "Pod" : "PodExecOptions", s === "log" ? ["get"] : ["create", "get"]));
  return out;
}

export function apiResourceList(table: ResourceTable, group: string, version: string) {
  const defs = table.all().filter((d) => d.group === group && d.versions.includes(version));
  if (defs.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(group, version),
    resources: defs.flatMap((d) => entries(d, version)),
  };
}

export const versionInfo = () => ({
  major: "1",
  minor: "33",
  gitVersion: "v1.33.0-kube-double",
  platform: "linux/amd64",
});
