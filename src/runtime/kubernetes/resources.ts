/**
 * The Kubernetes resources the driver uses (group, version, plural) and quantity parsing
 * (CPU "250m"/"12345n"/"1", memory "64Mi"/"1G"/"1e3") for requests, metrics and snapshot sizes.
 */
import type { ResourcePath } from "./kube-client.js";

const core =
  (resource: string) =>
  (namespace?: string): ResourcePath => ({ group: "", version: "v1", resource, namespace });
const grp =
  (group: string, version: string, resource: string) =>
  (namespace?: string): ResourcePath => ({ group, version, resource, namespace });

export const R = {
  namespaces: core("namespaces"),
  pods: core("pods"),
  services: core("services"),
  secrets: core("secrets"),
  pvcs: core("persistentvolumeclaims"),
  events: core("events"),
  statefulsets: grp("apps", "v1", "statefulsets"),
  jobs: grp("batch", "v1", "jobs"),
  ingresses: grp("networking.k8s.io", "v1", "ingresses"),
  endpointslices: grp("discovery.k8s.io", "v1", "endpointslices"),
  storageclasses: grp("storage.k8s.io", "v1", "storageclasses"),
  volumesnapshots: grp("snapshot.storage.k8s.io", "v1", "volumesnapshots"),
  volumesnapshotclasses: grp("snapshot.storage.k8s.io", "v1", "volumesnapshotclasses"),
  podmetrics: grp("metrics.k8s.io", "v1beta1", "pods"),
  sandboxes: (version: string) => grp("agents.x-k8s.io", version, "sandboxes"),
};

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number of base units (cores, bytes), or undefined when malformed. */
export function parseQuantity(q: string | undefined): number | undefined {
  if (!q) return undefined;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q.trim());
  if (!m) return undefined;
  return Number(m[1]) * SUFFIX[m[2] ?? ""]!;
}
