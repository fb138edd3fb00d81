/**
 * Volumes on Kubernetes: one PVC per (berth namespace, workload), labelled `berth.dev/volume`.
 * Which PVC is current is recorded on the PVCs themselves: the `ready` one with the highest
 * `berth.dev/volume-generation`. A restore writes a new PVC (from a VolumeSnapshot, or staged by a
 * helper pod from an archive) and makes it current with one patch of its annotations, so a volume
 * holds its old content or the new, never a mix; repeating a restore id finds its PVC and finishes.
 *
 * Snapshots are CSI VolumeSnapshots, offered only when the StorageClass of new PVCs has a
 * VolumeSnapshotClass of the same driver (found at start). Archives are `tar` run by exec in a
 * short-lived Job pod (BERTH_K8S_HELPER_IMAGE) that mounts the PVC, as `kubectl cp` does: tar.gz
 * out on stdout, in on stdin. Kubernetes cannot freeze a running pod, so an archive of a running
 * workload is crash-consistent (as the storage's own snapshots are).
 */
import { randomBytes } from "node:crypto";
import { PassThrough, type Readable, Writable } from "node:stream";
import { UnsupportedVerb, type VolumeRef, type VolumeSource } from "../driver.js";
import type { KubeContext } from "./context.js";
import { isNotFound, type KubeObject } from "./kube-client.js";
import { POD_SECURITY, pvc } from "./manifests.js";
import {
  A,
  hash,
  InvalidReference,
  kubeNamespace,
  L,
  labelValue,
  MANAGED_BY,
  pvcName,
  selector,
  workloadName,
} from "./names.js";
import { oneLine } from "./pod-status.js";
import { parseQuantity, R } from "./resources.js";

const HELPER_MOUNT = "/volume";

export class KubeVolumes {
  /** The VolumeSnapshotClass matching new PVCs' StorageClass, when there is one. */
  private snapshotClass: string | undefined;

  constructor(
    private readonly ctx: KubeContext,
    private readonly podsOfVolume: (ns: string, workload: string) => KubeObject[],
  ) {}

  get snapshots(): boolean {
    return this.snapshotClass !== undefined;
  }

  /** Finds the VolumeSnapshotClass whose driver provisions the StorageClass berth's PVCs use. */
  async init(): Promise<void> {
    const { client, settings } = this.ctx;
    const classes = await client.list(R.storageclasses()).catch(() => ({ items: [] as KubeObject[] }));
    const sc = settings.storageClass
      ? classes.items.find((c) => c.metadata.name === settings.storageClass)
      : classes.items.find(
          (c) => c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
        );
    if (!sc) return;
    let snapClasses: KubeObject[];
    try {
      snapClasses = (await client.list(R.volumesnapshotclasses())).items;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const match = snapClasses.find((c) => c.driver === sc.provisioner);
    this.snapshotClass = match?.metadata.name;
  }

  private where(v: VolumeRef): { ns: string; workload: string } {
    return { ns: kubeNamespace(v.namespace), workload: workloadName(v.workload) };
  }

  /** The current PVC's name, or undefined when the volume does not exist. */
  async current(v: VolumeRef): Promise<KubeObject | undefined> {
    const { ns, workload } = this.where(v);
    const { items } = await this.ctx.client.list(R.pvcs(ns), selector({ [L.volume]: workload }));
    return items
      .filter((p) => p.metadata.annotations?.[A.volumeState] === "ready" && !p.metadata.deletionTimestamp)
      .sort((a, b) => generation(b) - generation(a))[0];
  }

  /** The current PVC's name, creating the volume's first PVC when there is none. */
  async ensure(v: VolumeRef, team?: string): Promise<string> {
    const found = await this.current(v);
    if (found) return found.metadata.name;
    const { ns, workload } = this.where(v);
    const name = pvcName(workload);
    await this.ctx.createIfAbsent(R.pvcs(ns), this.claim(v, name, team, 0, "ready"));
    return name;
  }

  private claim(
    v: VolumeRef,
    name: string,
    team: string | undefined,
    gen: number,
    state: string,
    snapshot?: string,
  ) {
    const { ns, workload } = this.where(v);
    return pvc(
      name,
      ns,
      {
        [L.namespace]: v.namespace,
        [L.volume]: workload,
        [L.workload]: workload,
        ...(team ? { [L.team]: team } : {}),
      },
      { [A.volumeState]: state, [A.volumeGeneration]: String(gen) },
      { storageClass: this.ctx.settings.storageClass, size: this.ctx.settings.volumeSize, snapshot },
    );
  }

  async bytes(v: VolumeRef): Promise<number> {
    const current = await this.current(v);
    if (!current) return 0;
    const out = await this.inHelper(v, current.metadata.name, async (ns, pod) => {
      const sink = collector();
      const code = await this.ctx.client.exec(ns, pod, "helper", ["du", "-sb", HELPER_MOUNT], {
        stdout: sink.stream,
      });
      if (code !== 0) throw new Error(`du in the helper pod exited with ${code}`);
      return sink.text();
    });
    const n = Number(out.trim().split(/\s+/)[0]);
    return Number.isFinite(n) ? n : 0;
  }

  private snapshotName(workload: string, snapshotId: string): string {
    labelValue(snapshotId.slice(0, 63), "snapshot id");
    return `${workload}-snap-${hash(snapshotId, 12)}`;
  }

  async snapshot(v: VolumeRef, snapshotId: string): Promise<{ bytes: number }> {
    if (!this.snapshotClass) throw new UnsupportedVerb("snapshotVolume", "kubernetes");
    const { ns, workload } = this.where(v);
    const name = this.snapshotName(workload, snapshotId);
    const source = await this.current(v);
    if (!source) throw new Error(`volume ${workload} does not exist`);
    const r = R.volumesnapshots(ns);
    const existing = await this.ctx.client.find(r, name);
    const done = existing?.status?.readyToUse === true && !existing.metadata.deletionTimestamp;
    if (existing && !done) {
      // a partial snapshot left by a crash is replaced
      await this.ctx.client.delete(r, name);
      await this.waitGone(r, name);
    }
    if (!done) {
      await this.ctx.client.create(r, {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshot",
        metadata: {
          name,
          namespace: ns,
          labels: { [MANAGED_BY]: "berth", [L.namespace]: v.namespace, [L.volume]: workload },
          annotations: { [A.snapshotId]: snapshotId },
        },
        spec: {
          volumeSnapshotClassName: this.snapshotClass,
          source: { persistentVolumeClaimName: source.metadata.name },
        },
      });
    }
    const ready = await this.ctx.waitFor(
      async () => {
        const s = await this.ctx.client.get(r, name);
        if (s.status?.error?.message)
          throw new Error(`snapshot failed: ${oneLine(String(s.status.error.message))}`);
        return s.status?.readyToUse === true ? s : undefined;
      },
      600_000,
      `snapshot ${name} ready`,
    );
    const size = parseQuantity(ready.status?.restoreSize);
    return { bytes: size ?? (await this.bytes(v)) };
  }

  async deleteSnapshot(v: VolumeRef, snapshotId: string): Promise<void> {
    if (!this.snapshotClass) throw new UnsupportedVerb("deleteSnapshot", "kubernetes");
    const { ns, workload } = this.where(v);
    await this.ctx.client.delete(R.volumesnapshots(ns), this.snapshotName(workload, snapshotId));
  }

  /** The volume as a tar.gz stream, made by GNU tar in a helper pod; errors if tar fails. */
  export(v: VolumeRef): Readable {
    const out = new PassThrough();
    void (async () => {
      const current = await this.current(v);
      if (!current) throw new Error(`volume ${v.workload} does not exist`);
      await this.inHelper(v, current.metadata.name, async (ns, pod) => {
        const errors = collector();
        const code = await this.ctx.client.exec(
          ns,
          pod,
          "helper",
          ["tar", "-C", HELPER_MOUNT, "-czf", "-", "."],
          { stdout: out, stderr: errors.stream },
        );
        if (code !== 0)
          throw new Error(`tar in the helper pod exited with ${code}: ${oneLine(errors.text())}`);
      });
      out.end();
    })().catch((err: Error) => out.destroy(err));
    return out;
  }

  async restore(v: VolumeRef, restoreId: string, source: VolumeSource): Promise<void> {
    const { ns, workload } = this.where(v);
    const name = pvcName(workload, restoreId);
    const existing = await this.ctx.client.find(R.pvcs(ns), name);
    if (existing?.metadata.annotations?.[A.volumeState] === "ready") return this.dropOlder(v, name);
    if (existing) await this.waitGone(R.pvcs(ns), name);
    const current = await this.current(v);
    const gen = (current ? generation(current) : 0) + 1;
    const team = current?.metadata.labels?.[L.team];
    if ("snapshot" in source) {
      if (!this.snapshotClass) throw new UnsupportedVerb("restoreVolume", "kubernetes");
      const snap = await this.ctx.client.find(
        R.volumesnapshots(ns),
        this.snapshotName(workload, source.snapshot),
      );
      if (!snap || snap.metadata.deletionTimestamp || snap.status?.readyToUse !== true) {
        throw new Error(`snapshot ${source.snapshot} of ${workload} does not exist or is not ready`);
      }
      // one create makes the restored PVC current: it is born ready with the next generation
      await this.ctx.client.create(R.pvcs(ns), this.claim(v, name, team, gen, "ready", snap.metadata.name));
      return this.dropOlder(v, name);
    }
    await this.ctx.client.create(R.pvcs(ns), this.claim(v, name, team, gen, "staging"));
    try {
      await this.inHelper(v, name, (podNs, pod) =>
        source.archive(async (plain) => {
          const errors = collector();
          const code = await this.ctx.client.exec(
            podNs,
            pod,
            "helper",
            ["tar", "-xzf", "-", "-C", HELPER_MOUNT, "--no-same-owner"],
            { stdin: plain, stderr: errors.stream },
          );
          if (code !== 0)
            throw new Error(
              `the archive could not be extracted (tar exited with ${code}): ${oneLine(errors.text())}`,
            );
          const strip = await this.ctx.client.exec(
            podNs,
            pod,
            "helper",
            ["find", HELPER_MOUNT, "-perm", "/6000", "-exec", "chmod", "u-s,g-s", "{}", "+"],
            {},
          );
          if (strip !== 0) throw new Error(`setuid bits could not be cleared (find exited with ${strip})`);
        }),
      );
    } catch (err) {
      await this.ctx.client.delete(R.pvcs(ns), name);
      throw err;
    }
    await this.ctx.client.patch(R.pvcs(ns), name, {
      metadata: { annotations: { [A.volumeState]: "ready" } },
    });
    await this.dropOlder(v, name);
  }

  /** Deletes the volume's PVCs other than `keep` (a restore replaced them). */
  private async dropOlder(v: VolumeRef, keep: string): Promise<void> {
    const { ns, workload } = this.where(v);
    const { items } = await this.ctx.client.list(R.pvcs(ns), selector({ [L.volume]: workload }));
    for (const p of items)
      if (p.metadata.name !== keep) await this.ctx.client.delete(R.pvcs(ns), p.metadata.name);
  }

  /** Deletes every PVC of the volume and waits until they are gone. */
  async delete(v: VolumeRef): Promise<void> {
    const { ns, workload } = this.where(v);
    const { items } = await this.ctx.client
      .list(R.pvcs(ns), selector({ [L.volume]: workload }))
      .catch((err) => {
        if (isNotFound(err)) return { items: [] as KubeObject[] };
        throw err;
      });
    for (const p of items) {
      await this.ctx.client.delete(R.pvcs(ns), p.metadata.name);
      await this.waitGone(R.pvcs(ns), p.metadata.name);
    }
  }

  private waitGone(r: Parameters<KubeContext["client"]["find"]>[0], name: string): Promise<true> {
    return this.ctx.waitFor(
      async () => ((await this.ctx.client.find(r, name)) ? undefined : true),
      120_000,
      `${r.resource}/${name} deleted`,
    );
  }

  /**
   * Runs `fn` with a short-lived Job pod that mounts `claim` at /volume, then deletes the Job. On
   * ReadWriteOnce storage a running workload's PVC is attached to its node, so the helper is placed
   * there.
   */
  private async inHelper<T>(
    v: VolumeRef,
    claim: string,
    fn: (ns: string, pod: string) => Promise<T>,
  ): Promise<T> {
    const { ns, workload } = this.where(v);
    const { client, settings } = this.ctx;
    const id = randomBytes(4).toString("hex");
    const name = `${workload}-helper-${id}`;
    const labels = {
      [MANAGED_BY]: "berth",
      [L.role]: "helper",
      [L.volume]: workload,
      "berth.dev/helper": id,
    };
    const node = this.podsOfVolume(ns, workload).find((p) => p.spec?.nodeName)?.spec?.nodeName as
      | string
      | undefined;
    await client.create(R.jobs(ns), {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: ns, labels },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 6 * 3600,
        ttlSecondsAfterFinished: 60,
        template: {
          metadata: { labels },
          spec: {
            // beside the workload's running pod, where a ReadWriteOnce volume is attached
            ...(node ? { nodeName: node } : {}),
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: POD_SECURITY,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: "helper",
                image: settings.helperImage,
                command: ["sleep", "21600"],
                volumeMounts: [{ name: "volume", mountPath: HELPER_MOUNT }],
                securityContext: { allowPrivilegeEscalation: false, privileged: false },
              },
            ],
            volumes: [{ name: "volume", persistentVolumeClaim: { claimName: claim } }],
          },
        },
      },
    });
    try {
      const pod = await this.ctx.waitFor(
        () => {
          const p = this.ctx.pods.list().find((x) => x.metadata.labels?.["berth.dev/helper"] === id);
          if (p?.status?.phase === "Failed")
            throw new Error(`helper pod failed: ${oneLine(String(p.status.message ?? ""))}`);
          return p?.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
        },
        300_000,
        `helper pod of ${workload} running`,
      );
      return await fn(ns, pod.metadata.name);
    } finally {
      await client.delete(R.jobs(ns), name, { gracePeriodSeconds: 0 }).catch(() => undefined);
      for (const p of this.ctx.pods.list().filter((x) => x.metadata.labels?.["berth.dev/helper"] === id))
        await client.delete(R.pods(ns), p.metadata.name, { gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }
}

function generation(p: KubeObject): number {
  return Number(p.metadata.annotations?.[A.volumeGeneration] ?? 0);
}

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (chunks.length < 1000) chunks.push(chunk);
        cb();
      },
    }),
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
}

export { InvalidReference };
