/**
 * Part of the Kubernetes API test double: the SIMULATED EndpointSlice controller.
 *
 * Follows "EndpointSlices": each Service with a selector gets EndpointSlices (discovery.k8s.io/v1)
 * labelled `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by`, owned by the
 * Service, listing the selected pods with `conditions.ready/serving/terminating` and a `targetRef`.
 * Endpoints are grouped by port set, as the real controller groups them; because every pod of the
 * double has its own loopback port (see kubelet.ts), each pod gets its own slice, whose ports carry
 * the service port names with the POD'S port number. A headless Service without ports gets one
 * unnamed port entry so a client can still find the pod.
 */
import crypto from "node:crypto";
import type { Controller } from "./controller-loop.js";
import { PORT_ANNOTATION } from "./kubelet.js";
import type { KubeObject, ResourceTable } from "./resources.js";
import { matchesSelectorObject } from "./selectors.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";

// biome-ignore lint/suspicious/noExplicitAny: specs are free-form JSON
type Any = any;

const MANAGED_BY = "endpointslice-controller.k8s.io";
const shortHash = (v: string) => crypto.createHash("sha256").update(v).digest("hex").slice(0, 5);

function desiredSlice(svc: KubeObject, pod: KubeObject): KubeObject {
  const port = Number(pod.metadata?.annotations?.[PORT_ANNOTATION]);
  const ready = pod.status?.conditions?.some((c: Any) => c.type === "Ready" && c.status === "True") === true;
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  const svcPorts: Any[] = svc.spec?.ports ?? [];
  const ports = (svcPorts.length > 0 ? svcPorts : [{}]).map((p) => ({
    name: p.name ?? "",
    port,
    protocol: p.protocol ?? "TCP",
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
  }));
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${svc.metadata!.name}-${shortHash(pod.metadata!.uid!)}`.slice(0, 253),
      labels: {
        "kubernetes.io/service-name": svc.metadata!.name!,
        "endpointslice.kubernetes.io/managed-by": MANAGED_BY,
      },
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Service",
          name: svc.metadata!.name!,
          uid: svc.metadata!.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: "IPv4",
    endpoints: [
      {
        addresses: [pod.status?.podIP ?? "127.0.0.1"],
        conditions: { ready: ready && !terminating, serving: ready, terminating },
        nodeName: pod.spec?.nodeName,
        targetRef: {
          kind: "Pod",
          namespace: pod.metadata!.namespace,
          name: pod.metadata!.name,
          uid: pod.metadata!.uid,
        },
      },
    ],
    ports,
  };
}

export function endpointSliceController(store: ObjectStore, table: ResourceTable): Controller {
  const svcDef = table.find("", "v1", "services")!;
  const podDef = table.find("", "v1", "pods")!;
  const sliceDef = table.find("discovery.k8s.io", "v1", "endpointslices")!;
  return {
    name: "endpointslice-controller (simulated)",
    reconcile() {
      for (const svc of store.list(svcDef)) {
        if (svc.metadata!.deletionTimestamp || !svc.spec?.selector) continue;
        const ns = svc.metadata!.namespace!;
        const selected = store
          .list(podDef, ns)
          .filter(
            (p) =>
              matchesSelectorObject({ matchLabels: svc.spec.selector }, p.metadata?.labels) &&
              p.status?.podIP &&
              p.metadata?.annotations?.[PORT_ANNOTATION],
          );
        const desired = new Map(
          selected.map((p) => {
            const s = desiredSlice(svc, p);
            return [s.metadata!.name!, s] as const;
          }),
        );
        const existing = store
          .list(sliceDef, ns)
          .filter(
            (s) =>
              s.metadata?.labels?.["kubernetes.io/service-name"] === svc.metadata!.name &&
              s.metadata?.labels?.["endpointslice.kubernetes.io/managed-by"] === MANAGED_BY,
          );
        for (const s of existing) {
          const want = desired.get(s.metadata!.name!);
          if (!want) ignoreRace(() => store.delete(sliceDef, ns, s.metadata!.name!));
          else {
            desired.delete(s.metadata!.name!);
            const next = {
              ...s,
              endpoints: want.endpoints,
              ports: want.ports,
              metadata: { ...s.metadata, resourceVersion: undefined },
            };
            ignoreRace(() => store.update(sliceDef, ns, next));
          }
        }
        for (const s of desired.values()) ignoreRace(() => store.create(sliceDef, ns, s));
      }
    },
  };
}
