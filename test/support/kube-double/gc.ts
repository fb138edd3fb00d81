/**
 * Part of the Kubernetes API test double: the namespace controller and a SIMULATED garbage collector.
 *
 * Follows "Namespaces → Deleting a namespace" (a deleted namespace is Terminating until every object
 * in it is gone, then it goes) and "Garbage Collection" / "Owners and Dependents": an object whose
 * owners (ownerReferences) no longer exist is deleted in the background; an owner deleted with
 * `propagationPolicy: Orphan` (the `orphan` finalizer) first has the references to it removed from
 * its dependents. Foreground deletion is treated like background deletion (simplification).
 */
import type { Controller } from "./controller-loop.js";
import type { KubeObject, ResourceDef, ResourceTable } from "./resources.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";

export function namespaceController(store: ObjectStore, table: ResourceTable): Controller {
  const nsDef = table.find("", "v1", "namespaces")!;
  return {
    name: "namespace-controller",
    reconcile() {
      for (const ns of store.list(nsDef)) {
        if (!ns.metadata?.deletionTimestamp) {
          if (ns.status?.phase !== "Active")
            store.update(nsDef, undefined, { ...ns, status: { phase: "Active" } }, { subresource: "status" });
          continue;
        }
        const name = ns.metadata.name!;
        const contents = store.allIn(name);
        for (const { def, object } of contents) {
          if (!object.metadata?.deletionTimestamp)
            ignoreRace(() => store.delete(def, name, object.metadata!.name!));
        }
        if (contents.length === 0) {
          if ((ns.metadata.finalizers?.length ?? 0) > 0)
            ignoreRace(() =>
              store.update(nsDef, undefined, { ...ns, metadata: { ...ns.metadata, finalizers: [] } }),
            );
          else store.finalize(nsDef, undefined, name);
        }
      }
    },
  };
}

export function garbageCollector(store: ObjectStore): Controller {
  return {
    name: "garbage-collector (simulated)",
    reconcile() {
      const all = store.everything(
        (o) =>
          (o.metadata?.ownerReferences?.length ?? 0) > 0 ||
          o.metadata?.finalizers?.includes("orphan") === true,
      );
      // Orphaning first: its writes change the dependents this pass would otherwise judge.
      const orphaning = all.filter(
        ({ object }) => object.metadata!.deletionTimestamp && object.metadata!.finalizers?.includes("orphan"),
      );
      for (const { def, object } of orphaning) {
        const meta = object.metadata!;
        orphanDependents(store, all, meta.uid!);
        ignoreRace(() =>
          store.update(def, meta.namespace, {
            ...object,
            metadata: { ...meta, finalizers: meta.finalizers!.filter((f) => f !== "orphan") },
          }),
        );
      }
      if (orphaning.length > 0) return;
      for (const { def, object } of all) {
        const meta = object.metadata!;
        const owners = meta.ownerReferences ?? [];
        if (owners.length === 0 || meta.deletionTimestamp) continue;
        if (!owners.some((o) => store.hasUid(o.uid)))
          ignoreRace(() => store.delete(def, meta.namespace, meta.name!));
      }
    },
  };
}

function orphanDependents(
  store: ObjectStore,
  all: { def: ResourceDef; object: KubeObject }[],
  ownerUid: string,
): void {
  for (const { def, object } of all) {
    const refs = object.metadata?.ownerReferences;
    if (!refs?.some((r) => r.uid === ownerUid)) continue;
    const remaining = refs.filter((r) => r.uid !== ownerUid);
    const metadata = { ...object.metadata };
    if (remaining.length > 0) metadata.ownerReferences = remaining;
    else delete metadata.ownerReferences;
    ignoreRace(() =>
      store.update(def, object.metadata!.namespace, { ...object, metadata }, { keepStatus: true }),
    );
  }
}
