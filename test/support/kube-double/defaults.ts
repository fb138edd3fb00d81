/**
 * Part of the Kubernetes API test double: defaulting, as the API server applies it before validation.
 *
 * Follows the defaults documented in the API reference for the fields berth leaves out (Pod
 * restartPolicy Always, Secret `stringData` folded into base64 `data`, StatefulSet replicas 1 / OrderedReady / RollingUpdate, Job backoffLimit 6,
 * Service type ClusterIP with an allocated clusterIP and targetPort = port, PVC storageClassName from
 * the default StorageClass plus the `kubernetes.io/pvc-protection` finalizer, Namespace phase Active
 * and its `kubernetes.io/metadata.name` label) and, for custom resources, "Defaulting" in
 * "Extend the Kubernetes API with CustomResourceDefinitions": `default` values from the version's
 * structural schema are filled in wherever the parent object exists.
 */
import type { KubeObject, ResourceDef, ResourceTable } from "./resources.js";
import { splitApiVersion } from "./resources.js";
import type { ObjectStore } from "./store.js";

// biome-ignore lint/suspicious/noExplicitAny: walking JSON schema and JSON values
type Any = any;

export function applySchemaDefaults(schema: Any, value: Any): void {
  if (!schema || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (const item of value) applySchemaDefaults(schema.items, item);
    return;
  }
  for (const [key, sub] of Object.entries<Any>(schema.properties ?? {})) {
    if (value[key] === undefined && sub.default !== undefined) value[key] = structuredClone(sub.default);
    if (value[key] !== undefined) applySchemaDefaults(sub, value[key]);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    for (const v of Object.values(value)) applySchemaDefaults(schema.additionalProperties, v);
  }
}

function defaultPodSpec(spec: Any): void {
  if (!spec) return;
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    c.imagePullPolicy ??=
      typeof c.image === "string" && (c.image.endsWith(":latest") || !c.image.includes(":"))
        ? "Always"
        : "IfNotPresent";
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= "TCP";
  }
}

export function builtinDefaulter(
  store: ObjectStore,
  table: ResourceTable,
): (def: ResourceDef, obj: KubeObject, creating: boolean) => void {
  let nextIp = 10;
  return (def, obj, creating) => {
    const key = `${def.group}/${def.kind}`;
    switch (key) {
      case "/Namespace":
        obj.spec ??= {};
        obj.spec.finalizers ??= ["kubernetes"];
        obj.metadata!.labels = {
          ...(obj.metadata!.labels ?? {}),
          "kubernetes.io/metadata.name": obj.metadata!.name!,
        };
        break;
      case "/Pod":
        defaultPodSpec(obj.spec);
        break;
      case "/Secret":
        // stringData is write-only: the API server folds it into data (base64) and never returns it.
        obj.type ??= "Opaque";
        if (obj.stringData) {
          obj.data = { ...(obj.data ?? {}) };
          for (const [k, v] of Object.entries<string>(obj.stringData))
            obj.data[k] = Buffer.from(String(v)).toString("base64");
          delete obj.stringData;
        }
        break;
      case "apps/StatefulSet":
        obj.spec ??= {};
        obj.spec.replicas ??= 1;
        obj.spec.podManagementPolicy ??= "OrderedReady";
        obj.spec.updateStrategy ??= { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
        obj.spec.revisionHistoryLimit ??= 10;
        defaultPodSpec(obj.spec.template?.spec);
        break;
      case "apps/Deployment":
        obj.spec ??= {};
        obj.spec.replicas ??= 1;
        defaultPodSpec(obj.spec.template?.spec);
        break;
      case "batch/Job":
        obj.spec ??= {};
        obj.spec.backoffLimit ??= 6;
        obj.spec.completions ??= 1;
        obj.spec.parallelism ??= 1;
        defaultPodSpec(obj.spec.template?.spec);
        break;
      case "/Service":
        obj.spec ??= {};
        obj.spec.type ??= "ClusterIP";
        obj.spec.sessionAffinity ??= "None";
        if (creating && obj.spec.clusterIP === undefined) {
          obj.spec.clusterIP = `10.96.${Math.floor(nextIp / 250)}.${(nextIp % 250) + 1}`;
          nextIp++;
        }
        if (obj.spec.clusterIP) obj.spec.clusterIPs ??= [obj.spec.clusterIP];
        for (const p of obj.spec.ports ?? []) {
          p.protocol ??= "TCP";
          p.targetPort ??= p.port;
        }
        break;
      case "/PersistentVolumeClaim": {
        obj.spec ??= {};
        obj.spec.volumeMode ??= "Filesystem";
        if (creating && obj.spec.storageClassName === undefined) {
          const scDef = table.find("storage.k8s.io", "v1", "storageclasses")!;
          const dflt = store
            .list(scDef)
            .find(
              (sc) => sc.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
            );
          if (dflt) obj.spec.storageClassName = dflt.metadata!.name;
        }
        if (creating)
          obj.metadata!.finalizers = [
            ...new Set([...(obj.metadata!.finalizers ?? []), "kubernetes.io/pvc-protection"]),
          ];
        break;
      }
      default:
        break;
    }
  };
}

/** CRD defaults for the version the object was written in. */
export function crdDefaulter(
  crdOf: (def: ResourceDef) => Readonly<KubeObject> | undefined,
): (def: ResourceDef, obj: KubeObject) => void {
  return (def, obj) => {
    if (!def.custom || !obj.apiVersion) return;
    const crd = crdOf(def);
    const { version } = splitApiVersion(obj.apiVersion);
    const v = crd?.spec?.versions?.find((x: Any) => x.name === version);
    if (v?.schema?.openAPIV3Schema) applySchemaDefaults(v.schema.openAPIV3Schema, obj);
  };
}
