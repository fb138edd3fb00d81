/**
 * Part of the Kubernetes API test double (the simulated kubelet): a container's environment and
 * volumes, resolved from the API objects the pod names.
 *
 * Follows "Define Environment Variables for a Container" / "Secrets" / "ConfigMaps" (`env` with
 * `value` or `valueFrom` secretKeyRef / configMapKeyRef / fieldRef, `envFrom` with an optional
 * prefix; a missing non-optional reference keeps the container waiting with
 * CreateContainerConfigError) and "Volumes" (persistentVolumeClaim, emptyDir, secret, configMap,
 * with `subPath` and `readOnly`; a claim that is missing or not yet Bound keeps the pod Pending).
 * The simulated network: `PORT` is always set to the pod's own loopback port.
 */
import fs from "node:fs";
import path from "node:path";
import type { Mount } from "./pod-sandbox.js";
import type { KubeObject, ResourceTable } from "./resources.js";
import { volumeDir } from "./storage.js";
import type { ObjectStore } from "./store.js";

// biome-ignore lint/suspicious/noExplicitAny: container specs are free-form JSON
type Any = any;

/** Why a container cannot start yet: the waiting reason and message the pod status shows. */
export class NotReadyYet extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

export class PodInputs {
  constructor(
    private readonly store: ObjectStore,
    private readonly table: ResourceTable,
    private readonly dataDir: string,
  ) {}

  private getCore(resource: string, ns: string, name: string): KubeObject | undefined {
    return this.store.get(this.table.find("", "v1", resource)!, ns, name);
  }

  private source(
    kind: "secrets" | "configmaps",
    ns: string,
    name: string,
    optional: boolean,
  ): Record<string, string> | undefined {
    const obj = this.getCore(kind, ns, name);
    if (!obj) {
      if (optional) return undefined;
      throw new NotReadyYet(
        "CreateContainerConfigError",
        `${kind === "secrets" ? "secret" : "configmap"} "${name}" not found`,
      );
    }
    if (kind === "secrets")
      return Object.fromEntries(Object.entries<string>(obj.data ?? {}).map(([k, v]) => [k, b64(v)]));
    return { ...(obj.data ?? {}) };
  }

  private fieldRef(pod: KubeObject, fieldPath: string): string {
    const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
    if (m) return (pod.metadata as Any)?.[m[1]!]?.[m[2]!] ?? "";
    switch (fieldPath) {
      case "metadata.name":
        return pod.metadata!.name!;
      case "metadata.namespace":
        return pod.metadata!.namespace!;
      case "metadata.uid":
        return pod.metadata!.uid!;
      case "spec.nodeName":
        return pod.spec?.nodeName ?? "";
      case "spec.serviceAccountName":
        return pod.spec?.serviceAccountName ?? "default";
      case "status.podIP":
      case "status.hostIP":
        return "127.0.0.1";
      default:
        return "";
    }
  }

  env(pod: KubeObject, container: Any, port: number): Record<string, string> {
    const ns = pod.metadata!.namespace!;
    const out: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      const ref = from.secretRef ?? from.configMapRef;
      const data = this.source(
        from.secretRef ? "secrets" : "configmaps",
        ns,
        ref.name,
        ref.optional === true,
      );
      for (const [k, v] of Object.entries(data ?? {})) out[`${from.prefix ?? ""}${k}`] = v;
    }
    for (const e of container.env ?? []) {
      if (e.value !== undefined) out[e.name] = String(e.value);
      else if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
        const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
        const data = this.source(
          e.valueFrom.secretKeyRef ? "secrets" : "configmaps",
          ns,
          ref.name,
          ref.optional === true,
        );
        if (data && data[ref.key] !== undefined) out[e.name] = data[ref.key]!;
        else if (data && ref.optional !== true)
          throw new NotReadyYet("CreateContainerConfigError", `couldn't find key ${ref.key} in ${ref.name}`);
      } else if (e.valueFrom?.fieldRef) out[e.name] = this.fieldRef(pod, e.valueFrom.fieldRef.fieldPath);
      else out[e.name] = "";
    }
    out.PORT = String(port);
    return out;
  }

  private writeFiles(dir: string, files: Record<string, string>): void {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const [k, v] of Object.entries(files)) fs.writeFileSync(path.join(dir, path.basename(k)), v);
  }

  /** The bind mounts for a container's volumeMounts. */
  mounts(pod: KubeObject, container: Any): Mount[] {
    const ns = pod.metadata!.namespace!;
    const podDir = path.join(this.dataDir, "pods", pod.metadata!.uid!, "volumes");
    const mounts: Mount[] = [];
    for (const vm of container.volumeMounts ?? []) {
      const vol = (pod.spec?.volumes ?? []).find((v: Any) => v.name === vm.name);
      if (!vol)
        throw new NotReadyYet("CreateContainerConfigError", `volume "${vm.name}" is not declared in the pod`);
      let dir: string;
      let readOnly = vm.readOnly === true;
      if (vol.persistentVolumeClaim) {
        const claim = vol.persistentVolumeClaim.claimName;
        const pvc = this.getCore("persistentvolumeclaims", ns, claim);
        if (!pvc) throw new NotReadyYet("ContainerCreating", `persistentvolumeclaim "${claim}" not found`);
        if (pvc.status?.phase !== "Bound")
          throw new NotReadyYet("ContainerCreating", `persistentvolumeclaim "${claim}" is not bound`);
        dir = volumeDir(this.dataDir, pvc);
        readOnly ||= vol.persistentVolumeClaim.readOnly === true;
      } else if (vol.emptyDir) {
        dir = path.join(podDir, vol.name);
        fs.mkdirSync(dir, { recursive: true });
      } else if (vol.secret || vol.configMap) {
        const kind = vol.secret ? "secrets" : "configmaps";
        const name = vol.secret ? vol.secret.secretName : vol.configMap.name;
        dir = path.join(podDir, vol.name);
        this.writeFiles(
          dir,
          this.source(kind, ns, name, (vol.secret ?? vol.configMap).optional === true) ?? {},
        );
        readOnly = true;
      } else {
        throw new NotReadyYet(
          "CreateContainerConfigError",
          `volume "${vol.name}": only persistentVolumeClaim, emptyDir, secret and configMap volumes are simulated`,
        );
      }
      if (vm.subPath) {
        const sub = path.resolve(dir, vm.subPath);
        if (!sub.startsWith(`${path.resolve(dir)}${path.sep}`))
          throw new NotReadyYet("CreateContainerConfigError", `subPath "${vm.subPath}" leaves the volume`);
        fs.mkdirSync(sub, { recursive: true });
        dir = sub;
      }
      mounts.push({ source: dir, target: vm.mountPath, readOnly });
    }
    return mounts;
  }
}
