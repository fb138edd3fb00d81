/**
 * Volumes of the local and container runtimes (both keep them as host directories): `<dataDir>/volumes/<namespace>/<workload>`, snapshots under
 * `<dataDir>/snapshots/<namespace>/<snapshotId>`. Copies, archives and sizes are made by child
 * processes (cp here; tar through src/backup/volume-tar.ts, this driver's archive helper; du), so
 * the control plane's event loop only moves bytes. A restore stages the new content in
 * `<volume>.restore-<id>`, makes it safe (no setuid/setgid, a real directory) and swaps it in by
 * renames; whichever of the three directories exist after a crash says how far it got, so
 * re-running finishes the job.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { PassThrough, pipeline, type Readable } from "node:stream";
import { promisify } from "node:util";
import { archiveStream, extractInto, secureRestoredTree } from "../../backup/volume-tar.js";
import type { VolumeRef, VolumeSource } from "../driver.js";
import { safeKey } from "./logs.js";

const run = promisify(execFile);

const exists = (p: string) =>
  fsp
    .access(p)
    .then(() => true)
    .catch(() => false);

/**
 * Freezes the processes using a volume (local: SIGSTOP; container: the engine's pause); the
 * returned function thaws them.
 */
export type FreezeVolume = (volume: VolumeRef) => Promise<() => void>;

export class LocalVolumes {
  private readonly root: string;
  private readonly snapshots: string;

  constructor(
    dataDir: string,
    private readonly freeze: FreezeVolume,
  ) {
    this.root = path.join(dataDir, "volumes");
    this.snapshots = path.join(dataDir, "snapshots");
  }

  /** The volume's directory; throws for a reference that would leave `<dataDir>/volumes/<ns>/`. */
  path(v: VolumeRef): string {
    return twoBelow(this.root, v.namespace, v.workload);
  }

  private snapshotPath(v: VolumeRef, id: string): string {
    return twoBelow(this.snapshots, v.namespace, id);
  }

  bytes(v: VolumeRef): Promise<number> {
    return dirBytes(this.path(v));
  }

  async snapshot(v: VolumeRef, id: string): Promise<{ bytes: number }> {
    const target = this.snapshotPath(v, id);
    await fsp.rm(target, { recursive: true, force: true });
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const volume = this.path(v);
    await fsp.mkdir(volume, { recursive: true });
    const thaw = await this.freeze(v);
    try {
      await run("cp", ["-a", "--reflink=auto", `${volume}/.`, target]);
    } finally {
      thaw();
    }
    return { bytes: await dirBytes(target) };
  }

  /** Deletes the snapshot, and its namespace's snapshot directory once that is empty. */
  async deleteSnapshot(v: VolumeRef, id: string): Promise<void> {
    const dir = this.snapshotPath(v, id);
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rmdir(path.dirname(dir)).catch(() => undefined);
  }

  /** tar.gz of the volume while its processes are frozen (until the stream ends or is destroyed). */
  export(v: VolumeRef): Readable {
    const volume = this.path(v);
    fs.mkdirSync(volume, { recursive: true });
    const out = new PassThrough();
    this.freeze(v).then(
      (thaw) => {
        if (out.destroyed) return thaw();
        pipeline(archiveStream(volume), out, () => thaw());
      },
      (err: Error) => out.destroy(err),
    );
    return out;
  }

  async restore(v: VolumeRef, restoreId: string, source: VolumeSource): Promise<void> {
    const volume = this.path(v);
    const staged = `${volume}.restore-${safeKey(restoreId)}`;
    const old = `${volume}.old-${safeKey(restoreId)}`;
    if (!(await exists(old))) {
      await fsp.rm(staged, { recursive: true, force: true });
      await fsp.mkdir(path.dirname(staged), { recursive: true });
      try {
        if ("snapshot" in source) {
          const snap = this.snapshotPath(v, source.snapshot);
          if (!(await exists(snap))) throw new Error(`snapshot ${source.snapshot} does not exist`);
          await run("cp", ["-a", "--reflink=auto", `${snap}/.`, staged]);
        } else {
          let extracted: Promise<void> | undefined;
          await source.archive((plain) => {
            extracted ??= extractInto(plain, staged);
            return extracted;
          });
          if (!extracted) throw new Error("the archive source gave no archive");
          await extracted;
        }
        await secureRestoredTree(staged);
        await keepOwner(volume, staged);
      } catch (err) {
        await fsp.rm(staged, { recursive: true, force: true });
        throw err;
      }
      if (await exists(volume)) await fsp.rename(volume, old);
    }
    if (await exists(staged)) await fsp.rename(staged, volume);
    await fsp.rm(old, { recursive: true, force: true });
  }

  async delete(v: VolumeRef): Promise<void> {
    const dir = this.path(v);
    await fsp.rm(dir, { recursive: true, force: true });
    await fsp.rmdir(path.dirname(dir)).catch(() => undefined);
  }
}

/**
 * Gives the restored tree the owner of the volume it replaces (the sandbox's user owns a volume its
 * workload has used), so the workload can write its restored files; a new volume keeps berth's.
 */
async function keepOwner(volume: string, staged: string): Promise<void> {
  const owner = await fsp.stat(volume).catch(() => undefined);
  if (!owner) return;
  const mine = await fsp.stat(staged);
  if (owner.uid === mine.uid && owner.gid === mine.gid) return;
  await run("chown", ["-R", "--no-dereference", `${owner.uid}:${owner.gid}`, staged]);
}

/** `<root>/<a>/<b>`, refusing names that would point anywhere else (`..`, `.`, empty). */
function twoBelow(root: string, a: string, b: string): string {
  const dir = path.join(root, safeKey(a), safeKey(b));
  if (path.dirname(path.dirname(dir)) !== root || [a, b].some((x) => x === "" || x === "." || x === ".."))
    throw new Error("refusing a volume path outside the runtime's directory");
  return dir;
}

/** Size of a directory tree in bytes, computed by `du` in a child process; 0 when it is missing. */
async function dirBytes(dir: string): Promise<number> {
  if (!(await exists(dir))) return 0;
  const du = spawn("du", ["-sb", dir], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  du.stdout.on("data", (c) => {
    out += String(c);
  });
  await new Promise((r) => du.once("close", r));
  return Number.parseInt(out, 10) || 0;
}
