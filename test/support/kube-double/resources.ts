/**
 * Part of the Kubernetes API test double: the table of API resources the double serves.
 *
 * Follows the Kubernetes docs "The Kubernetes API" and "API Overview → API groups and versioning":
 * each resource has a group ("" for core), served versions, a plural resource name, a kind, a scope
 * (namespaced or cluster) and optional `status`/`scale` subresources. CustomResourceDefinitions add
 * rows at run time (see crds.ts). Objects are stored once and served at any served version of their
 * group with `apiVersion` rewritten: the double performs no schema conversion between versions.
 */

/** A Kubernetes object as JSON; the double treats everything but metadata as opaque. */
// biome-ignore lint/suspicious/noExplicitAny: objects are free-form JSON documents
export type KubeObject = Record<string, any> & { apiVersion?: string; kind?: string; metadata?: ObjectMeta };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface ResourceDef {
  group: string;
  versions: string[];
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  status?: boolean;
  scale?: ScaleSpec;
  /** The versions that serve `scale` (a CRD declares it per version); undefined: all of them. */
  scaleVersions?: string[];
  /** Extra subresources served (pods/log, pods/exec, …) beyond status and scale. */
  extraSubresources?: string[];
  shortNames?: string[];
  /** True for kinds from a CRD: list items keep apiVersion/kind, as for custom resources. */
  custom?: boolean;
  /** Read-only resources computed by the double (metrics.k8s.io). */
  readOnly?: boolean;
}

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
export const verbsOf = (def: ResourceDef) => (def.readOnly ? ["get", "list"] : VERBS);

const core = (
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceDef> = {},
): ResourceDef => ({
  group: "",
  versions: ["v1"],
  resource,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
  ...extra,
});

const grouped = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<ResourceDef> = {},
): ResourceDef => ({ ...core(resource, kind, namespaced, extra), group, versions: [version] });

const replicasScale: ScaleSpec = {
  specReplicasPath: ".spec.replicas",
  statusReplicasPath: ".status.replicas",
  labelSelectorPath: ".status.selector",
};

/** The built-in resources berth's kubernetes driver and chart touch, plus their neighbours. */
export function builtinResources(): ResourceDef[] {
  return [
    core("namespaces", "Namespace", false, { status: true, shortNames: ["ns"] }),
    core("nodes", "Node", false, { status: true, shortNames: ["no"] }),
    core("pods", "Pod", true, {
      status: true,
      extraSubresources: ["log", "exec", "attach"],
      shortNames: ["po"],
    }),
    core("services", "Service", true, { status: true, shortNames: ["svc"] }),
    core("endpoints", "Endpoints", true, { shortNames: ["ep"] }),
    core("persistentvolumeclaims", "PersistentVolumeClaim", true, { status: true, shortNames: ["pvc"] }),
    core("persistentvolumes", "PersistentVolume", false, { status: true, shortNames: ["pv"] }),
    core("secrets", "Secret", true),
    core("configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
    core("events", "Event", true, { shortNames: ["ev"] }),
    core("serviceaccounts", "ServiceAccount", true, { shortNames: ["sa"] }),
    grouped("apps", "v1", "statefulsets", "StatefulSet", true, {
      status: true,
      scale: replicasScale,
      shortNames: ["sts"],
    }),
    grouped("apps", "v1", "deployments", "Deployment", true, {
      status: true,
      scale: replicasScale,
      shortNames: ["deploy"],
    }),
    grouped("batch", "v1", "jobs", "Job", true, { status: true }),
    grouped("batch", "v1", "cronjobs", "CronJob", true, { status: true, shortNames: ["cj"] }),
    grouped("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
    grouped("networking.k8s.io", "v1", "ingresses", "Ingress", true, { status: true, shortNames: ["ing"] }),
    grouped("networking.k8s.io", "v1", "ingressclasses", "IngressClass", false),
    grouped("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, { shortNames: ["netpol"] }),
    grouped("coordination.k8s.io", "v1", "leases", "Lease", true),
    grouped("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, { shortNames: ["sc"] }),
    grouped("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
    grouped("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
    grouped("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, {
      status: true,
      shortNames: ["crd"],
    }),
    grouped("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", true, { readOnly: true }),
    grouped("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", false, { readOnly: true }),
  ];
}

/** Where an object lives: "<group>/<resource>", the store's collection key. */
export const collectionKey = (def: Pick<ResourceDef, "group" | "resource">) => `${def.group}/${def.resource}`;

export const apiVersionOf = (group: string, version: string) => (group ? `${group}/${version}` : version);

/** Splits "apps/v1" into group and version ("v1" → core). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The served resources, indexed by group/resource and by group/kind. */
export class ResourceTable {
  private byResource = new Map<string, ResourceDef>();
  private byKind = new Map<string, ResourceDef>();

  constructor(defs: ResourceDef[]) {
    for (const def of defs) this.add(def);
  }

  add(def: ResourceDef): void {
    this.byResource.set(collectionKey(def), def);
    this.byKind.set(`${def.group}/${def.kind}`, def);
  }

  remove(def: ResourceDef): void {
    this.byResource.delete(collectionKey(def));
    this.byKind.delete(`${def.group}/${def.kind}`);
  }

  find(group: string, version: string, resource: string): ResourceDef | undefined {
    const def = this.byResource.get(`${group}/${resource}`);
    return def?.versions.includes(version) ? def : undefined;
  }

  byGroupKind(group: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${kind}`);
  }

  all(): ResourceDef[] {
    return [...this.byResource.values()];
  }
}
