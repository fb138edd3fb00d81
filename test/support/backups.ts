/**
 * Test helpers for backups of one counter-agent deployment through the cloud-saas API: take a
 * backup or restore and wait for the outcome, plant a stored archive with a hand-made record,
 * and describe a directory tree exactly (to compare a volume before and after a restore).
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import { type ApiClient, type TestBerth, waitFor } from "./berth.js";

export function backupHarness(t: TestBerth, api: ApiClient, dep: { id: string; name: string }) {
  const cloud = (action: string) => `/api/cloud-saas/deployments/${dep.id}/${action}`;
  const findBackup = async (id: string) =>
    (await api("GET", cloud("backups"))).body.backups.find((x: { id: string }) => x.id === id);

  /** POST …/backups, expecting 202, and the record once it finished. */
  async function backup(body: object = {}) {
    const res = await api("POST", cloud("backups"), { body });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ ok: true, backup: { status: "running", phase: "queued" } });
    return waitFor(async () => {
      const b = await findBackup(res.body.backup.id);
      return b && b.phase !== "queued" && b.status !== "running" ? b : undefined;
    }, "backup finished");
  }

  /** POST …/restore, expecting 202, and the backup record once the restore finished. */
  async function restore(body: object) {
    const res = await api("POST", cloud("restore"), { body });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ ok: true, status: "resuming", deployment: { id: dep.id } });
    return waitFor(async () => {
      const b = await findBackup(res.body.backup.id);
      return b && (b.restoreStatus === "succeeded" || b.restoreStatus === "failed") ? b : undefined;
    }, "restore finished");
  }

  /** The deployment's namespace incarnation: what its volume, backups and backup keys are keyed by. */
  const namespaceId = async () => (await t.berth.store.deployments.get(dep.id))!.namespace_id;
  /** The deployment's volume of `workload` (by its namespace incarnation, not its name). */
  const volume = async (workload = "counter") => t.berth.driver.volumePath(await namespaceId(), workload);

  const deployed = () =>
    waitFor(
      async () =>
        (await api("GET", `/api/cloud-saas/deployments/${dep.id}`)).body.deployment.status === "deployed",
      "deployed",
    );

  /** Stores `file` as an object and inserts a succeeded `restic` record for it (no key unless given). */
  async function planted(name: string, file: string, extra: Record<string, unknown> = {}) {
    const key = `${await namespaceId()}/counter/${name}.tar.gz`;
    const stored = path.join(t.dataDir, "objects", key);
    await fs.mkdir(path.dirname(stored), { recursive: true });
    await fs.copyFile(file, stored);
    const checksum = `sha256:${createHash("sha256")
      .update(await fs.readFile(stored))
      .digest("hex")}`;
    const now = new Date().toISOString();
    const id = `0190${createHash("md5").update(name).digest("hex").slice(4, 8)}-0000-7000-8000-000000000000`;
    await t.berth.store.backups.insert({
      id,
      deployment_id: dep.id,
      team_id: (await api("GET", "/api/me")).body.teamId,
      namespace: dep.name,
      namespace_id: await namespaceId(),
      agent_id: "counter",
      sandbox_name: "counter",
      pvc_name: "berth-data-counter",
      driver: "restic",
      snapshot_name: null,
      object_key: key,
      status: "succeeded",
      phase: "completed",
      error: null,
      expires_at: null,
      bytes_done: 0,
      total_bytes: 0,
      checksum,
      key_id: null,
      wrapped_key: null,
      restore_status: null,
      created_at: now,
      updated_at: now,
      ...extra,
    });
    return { id, file: stored };
  }

  return { cloud, backup, restore, deployed, planted, namespaceId, volume };
}

export interface TreeEntry {
  type: "file" | "dir" | "symlink" | "other";
  mode: string;
  size?: number;
  sha256?: string;
  linkText?: string;
  mtime?: number;
  /** Other paths that are the same inode (hard links), sorted. */
  sameInode?: string[];
}

/**
 * Every entry under `root` (not `root` itself), by relative path: type, permission bits (setuid
 * and setgid included), content hash, link text, mtime in whole seconds, and hard-link groups.
 */
export async function describeTree(root: string): Promise<Record<string, TreeEntry>> {
  const out: Record<string, TreeEntry> = {};
  const inodes = new Map<number, string[]>();
  const walk = async (dir: string) => {
    for (const name of (await fs.readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const st = await fs.lstat(full);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) out[rel] = { type: "symlink", mode, linkText: await fs.readlink(full) };
      else if (st.isDirectory()) {
        out[rel] = { type: "dir", mode };
        await walk(full);
      } else if (st.isFile()) {
        const sha256 = createHash("sha256")
          .update(await fs.readFile(full))
          .digest("hex");
        out[rel] = { type: "file", mode, size: st.size, sha256, mtime: Math.floor(st.mtimeMs / 1000) };
      } else out[rel] = { type: "other", mode };
      if (!st.isDirectory() && st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), rel]);
    }
  };
  await walk(root);
  for (const group of inodes.values()) {
    for (const p of group) out[p]!.sameInode = group.filter((q) => q !== p).sort();
  }
  return out;
}
