/**
 * Part of the Kubernetes API test double: SIMULATED storage — volume provisioning and a CSI
 * snapshotter.
 *
 * Follows "Persistent Volumes" (a claim with a StorageClass is provisioned and Bound at once, as with
 * volumeBindingMode Immediate; the `kubernetes.io/pvc-protection` finalizer keeps a claim while a pod
 * uses it; reclaim policy Delete removes the data when the claim goes; `dataSource` of kind
 * VolumeSnapshot pre-populates a new claim once the snapshot is ready) and "Volume Snapshots"
 * (snapshot.storage.k8s.io/v1: a VolumeSnapshot of a claim whose StorageClass `provisioner` equals the
 * VolumeSnapshotClass `driver` gets a cluster-scoped VolumeSnapshotContent and
 * `status.readyToUse: true`; a class whose driver does not match leaves `status.error`). A volume is
 * a directory under dataDir/volumes; a snapshot is a copy of it under dataDir/snapshots. No
 * PersistentVolume objects are created.
 */
import fs from "node:fs";
import path from "node:path";
import type { Controller } from "./controller-loop.js";
import type { EventRecorder } from "./events.js";
import type { KubeObject, ResourceTable } from "./resources.js";
import { ignoreRace } from "./status-errors.js";
import type { ObjectStore } from "./store.js";
import { timestamp } from "./time.js";

const PROTECTION = "kubernetes.io/pvc-protection";
const SNAPSHOT_BOUND = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection";

export const volumeDir = (dataDir: string, pvc: KubeObject) =>
  path.join(dataDir, "volumes", pvc.metadata!.uid!);
export const snapshotDir = (dataDir: string, snapshot: KubeObject) =>
  path.join(dataDir, "snapshots", snapshot.metadata!.uid!);

function dirSize(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += dirSize(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

export function storageController(
  store: ObjectStore,
  table: ResourceTable,
  dataDir: string,
  event: EventRecorder,
): Controller {
  const pvcDef = table.find("", "v1", "persistentvolumeclaims")!;
  const podDef = table.find("", "v1", "pods")!;
  const scDef = table.find("storage.k8s.io", "v1", "storageclasses")!;
  const snapDef = () => table.find("snapshot.storage.k8s.io", "v1", "volumesnapshots");
  const contentDef = () => table.find("snapshot.storage.k8s.io", "v1", "volumesnapshotcontents");
  const classDef = () => table.find("snapshot.storage.k8s.io", "v1", "volumesnapshotclasses");
  const warned = new Set<string>();
  const warnOnce = (obj: KubeObject, reason: string, message: string) => {
    const key = `${obj.metadata!.uid}/${message}`;
    if (warned.has(key)) return;
    warned.add(key);
    event(obj, "Warning", reason, message, "kube-double-provisioner");
  };

  const inUse = (pvc: KubeObject) =>
    store
      .list(podDef, pvc.metadata!.namespace)
      .some(
        (p) =>
          !["Succeeded", "Failed"].includes(p.status?.phase) &&
          (p.spec?.volumes ?? []).some(
            (v: { persistentVolumeClaim?: { claimName: string } }) =>
              v.persistentVolumeClaim?.claimName === pvc.metadata!.name,
          ),
      );

  function bindClaim(pvc: KubeObject): void {
    if (pvc.status?.phase === "Bound") return;
    const scName = pvc.spec?.storageClassName;
    const sc = scName ? store.get(scDef, undefined, scName) : undefined;
    if (!sc) {
      warnOnce(pvc, "ProvisioningFailed", `storageclass.storage.k8s.io "${scName ?? ""}" not found`);
      return;
    }
    const dir = volumeDir(dataDir, pvc);
    const source = pvc.spec?.dataSourceRef ?? pvc.spec?.dataSource;
    if (source) {
      const def = snapDef();
      if (source.kind !== "VolumeSnapshot" || !def) {
        warnOnce(pvc, "ProvisioningFailed", `data source ${source.kind} is not simulated`);
        return;
      }
      const snap = store.get(def, pvc.metadata!.namespace, source.name);
      if (!snap?.status?.readyToUse) {
        warnOnce(pvc, "ProvisioningFailed", `volumesnapshot "${source.name}" is not ready to use`);
        return;
      }
      fs.rmSync(dir, { recursive: true, force: true });
      fs.cpSync(snapshotDir(dataDir, snap), dir, { recursive: true, preserveTimestamps: true });
    } else fs.mkdirSync(dir, { recursive: true });
    const status = {
      phase: "Bound",
      accessModes: pvc.spec?.accessModes ?? ["ReadWriteOnce"],
      capacity: { storage: pvc.spec?.resources?.requests?.storage ?? "1Gi" },
    };
    ignoreRace(() => {
      const spec = { ...pvc.spec, volumeName: `pvc-${pvc.metadata!.uid}` };
      const bound = store.update(pvcDef, pvc.metadata!.namespace, {
        ...pvc,
        spec,
        metadata: { ...pvc.metadata, resourceVersion: undefined },
      });
      store.update(pvcDef, pvc.metadata!.namespace, { ...bound, status }, { subresource: "status" });
    });
    event(
      pvc,
      "Normal",
      "ProvisioningSucceeded",
      `Successfully provisioned volume pvc-${pvc.metadata!.uid}`,
      "kube-double-provisioner",
    );
  }

  function releaseClaim(pvc: KubeObject): void {
    if (!pvc.metadata!.finalizers?.includes(PROTECTION) || inUse(pvc)) return;
    ignoreRace(() =>
      store.update(pvcDef, pvc.metadata!.namespace, {
        ...pvc,
        metadata: {
          ...pvc.metadata,
          resourceVersion: undefined,
          finalizers: pvc.metadata!.finalizers!.filter((f) => f !== PROTECTION),
        },
      }),
    );
  }

  function snapshot(snap: KubeObject): void {
    const def = snapDef()!;
    const ns = snap.metadata!.namespace!;
    if (snap.metadata!.deletionTimestamp) {
      const contentName = snap.status?.boundVolumeSnapshotContentName;
      const cdef = contentDef();
      if (contentName && cdef) ignoreRace(() => store.delete(cdef, undefined, contentName));
      fs.rmSync(snapshotDir(dataDir, snap), { recursive: true, force: true });
      ignoreRace(() =>
        store.update(def, ns, {
          ...snap,
          metadata: {
            ...snap.metadata,
            resourceVersion: undefined,
            finalizers: (snap.metadata!.finalizers ?? []).filter((f) => f !== SNAPSHOT_BOUND),
          },
        }),
      );
      return;
    }
    if (snap.status?.readyToUse || snap.status?.error) return;
    const fail = (message: string) =>
      ignoreRace(() =>
        store.update(
          def,
          ns,
          {
            ...snap,
            metadata: { ...snap.metadata, resourceVersion: undefined },
            status: { readyToUse: false, error: { message, time: timestamp() } },
          },
          { subresource: "status" },
        ),
      );
    const claimName = snap.spec?.source?.persistentVolumeClaimName;
    if (!claimName) {
      fail("only snapshots of a persistentVolumeClaimName are simulated");
      return;
    }
    const pvc = store.get(pvcDef, ns, claimName);
    if (pvc?.status?.phase !== "Bound") {
      warnOnce(snap, "SnapshotPending", `persistentvolumeclaim "${claimName}" is not bound yet`);
      return;
    }
    const sc = store.get(scDef, undefined, pvc.spec?.storageClassName ?? "");
    const cdef = classDef();
    const classes = cdef ? store.list(cdef) : [];
    const cls = snap.spec?.volumeSnapshotClassName
      ? classes.find((c) => c.metadata!.name === snap.spec.volumeSnapshotClassName)
      : classes.find(
          (c) =>
            c.metadata?.annotations?.["snapshot.storage.kubernetes.io/is-default-class"] === "true" &&
            c.driver === sc?.provisioner,
        );
    if (!cls) {
      fail(`volumesnapshotclass "${snap.spec?.volumeSnapshotClassName ?? "(default)"}" not found`);
      return;
    }
    if (cls.driver !== sc?.provisioner) {
      fail(
        `the snapshot class driver ${cls.driver} does not match the claim's provisioner ${sc?.provisioner ?? "(none)"}`,
      );
      return;
    }
    const dir = snapshotDir(dataDir, snap);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.cpSync(volumeDir(dataDir, pvc), dir, { recursive: true, preserveTimestamps: true });
    const size = dirSize(dir);
    const contentName = `snapcontent-${snap.metadata!.uid}`;
    const cdef2 = contentDef();
    if (cdef2 && !store.get(cdef2, undefined, contentName)) {
      store.create(
        cdef2,
        undefined,
        {
          apiVersion: "snapshot.storage.k8s.io/v1",
          kind: "VolumeSnapshotContent",
          metadata: { name: contentName },
          spec: {
            deletionPolicy: cls.deletionPolicy ?? "Delete",
            driver: cls.driver,
            source: { volumeHandle: `pvc-${pvc.metadata!.uid}` },
            volumeSnapshotClassName: cls.metadata!.name,
            volumeSnapshotRef: {
              apiVersion: "snapshot.storage.k8s.io/v1",
              kind: "VolumeSnapshot",
              name: snap.metadata!.name,
              namespace: ns,
              uid: snap.metadata!.uid,
            },
          },
          status: {
            readyToUse: true,
            restoreSize: size,
            snapshotHandle: `kube-double-${snap.metadata!.uid}`,
            creationTime: Date.now() * 1_000_000,
          },
        },
        { keepStatus: true },
      );
    }
    ignoreRace(() => {
      const withFinalizer = store.update(def, ns, {
        ...snap,
        metadata: {
          ...snap.metadata,
          resourceVersion: undefined,
          finalizers: [...new Set([...(snap.metadata!.finalizers ?? []), SNAPSHOT_BOUND])],
        },
        spec: { ...snap.spec, volumeSnapshotClassName: cls.metadata!.name },
      });
      store.update(
        def,
        ns,
        {
          ...withFinalizer,
          status: {
            boundVolumeSnapshotContentName: contentName,
            creationTime: timestamp(),
            readyToUse: true,
            restoreSize: String(size),
          },
        },
        { subresource: "status" },
      );
    });
    event(
      snap,
      "Normal",
      "SnapshotReady",
      `Snapshot ${ns}/${snap.metadata!.name} is ready to use.`,
      "kube-double-snapshotter",
    );
  }

  return {
    name: "storage (simulated provisioner and CSI snapshotter)",
    reconcile() {
      for (const pvc of store.list(pvcDef)) {
        if (pvc.metadata!.deletionTimestamp) releaseClaim(pvc);
        else bindClaim(pvc);
      }
      const def = snapDef();
      if (def) for (const snap of store.list(def)) snapshot(snap);
    },
  };
}

/** Removes a claim's directory once the claim is gone (reclaim policy Delete). */
export function reclaimOnDelete(store: ObjectStore, dataDir: string): () => void {
  return store.subscribe((ev) => {
    if (ev.type === "DELETED" && ev.def.group === "" && ev.def.resource === "persistentvolumeclaims")
      fs.rmSync(volumeDir(dataDir, ev.object), { recursive: true, force: true });
  });
}
