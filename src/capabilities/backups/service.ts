/**
 * State backups and restores of a deployment's sandbox volume (seed 000), as durable operations
 * under the namespace lock. Drivers: `volumeSnapshot` (the runtime's point-in-time snapshot of the
 * volume) and `restic`/`objectArchive` (the runtime's archive stream of the frozen volume, sealed
 * and checksummed, in the object store). Every touch of a volume goes through the runtime driver,
 * whose restoreVolume leaves the volume with the old content or the restored one, never a mix
 * (links restore as links, hard links as one inode, no restored entry keeps setuid/setgid); which
 * backup drivers exist is the runtime's capability report.
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { ArchiveError, restoreArchive, sealArchive } from "../../backup/archive.js";
import type { BackupKeys } from "../../backup/keys.js";
import type { ObjectStore } from "../../backup/object-store.js";
import { BerthError, conflict, notFound, unprocessable } from "../../domain/errors.js";
import { newId } from "../../domain/ids.js";
import { canBackUp, pauseIsNoop } from "../../domain/lifecycle.js";
import { isRestorableBackup } from "../../domain/record-status.js";
import type { OperationContext, OperationRunner } from "../../engine/operations.js";
import type { RuntimeDriver, VolumeRef } from "../../runtime/driver.js";
import type { BackupRow } from "../../store/schema.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { actorOf, type Principal, requireScope } from "../auth/principal.js";
import { type Deployment, toDeployment, workloadNamed } from "../../domain/deployment.js";
import type { PauseResume } from "../lifecycle/pause-resume.js";

export type BackupDriver = "volumeSnapshot" | "restic" | "objectArchive";

export const backupView = (b: BackupRow) => ({
  id: b.id,
  deploymentId: b.deployment_id,
  namespace: b.namespace,
  agentId: b.agent_id,
  sandboxName: b.sandbox_name,
  pvcName: b.pvc_name,
  driver: b.driver,
  snapshotName: b.snapshot_name,
  objectKey: b.object_key,
  status: b.status,
  phase: b.phase,
  error: b.error,
  expiresAt: b.expires_at,
  createdAt: b.created_at,
  updatedAt: b.updated_at,
  bytesDone: b.bytes_done,
  totalBytes: b.total_bytes,
  checksum: b.checksum,
  encrypted: b.wrapped_key !== null,
  keyId: b.key_id,
  restoreStatus: b.restore_status,
});

interface RestorePayload {
  backupId: string;
  workload: string;
  wasRunning: boolean;
}

export class BackupsService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly driver: RuntimeDriver,
    private readonly ops: OperationRunner,
    private readonly lifecycle: PauseResume,
    private readonly objects: ObjectStore,
    private readonly keys: BackupKeys,
    private readonly dataDir: string,
    private readonly log: Logger,
  ) {
    ops.register("backup", (ctx) => this.runBackup(ctx));
    ops.register("restore", (ctx) => this.runRestore(ctx));
  }

  private now = () => this.clock.now().toISOString();

  private workloadOf(d: Deployment, agentId?: string): string {
    const w = workloadNamed(d, agentId);
    if (!w) throw notFound(`agent ${agentId} in this deployment`);
    return w.name;
  }

  /** The volume a backup is of; a volumeSnapshot backup's snapshot id is the backup id. */
  private volumeOf(b: BackupRow): VolumeRef {
    return { namespace: b.namespace_id, workload: b.agent_id };
  }

  async list(caller: Principal, d: Deployment, agentId?: string) {
    requireScope(caller, "deployments:read");
    const rows = await this.store.backups.list(
      d.namespaceId,
      agentId === undefined ? undefined : this.workloadOf(d, agentId),
    );
    return rows.map(backupView);
  }

  async create(
    caller: Principal,
    d: Deployment,
    input: { agentId?: string; driver?: string; retentionDays?: number },
  ) {
    requireScope(caller, "deployments:write");
    if (!d.isCurrent) throw conflict("cannot back up a historical deployment");
    if (!canBackUp(d.status)) throw unprocessable(`cannot back up a deployment in status ${d.status}`);
    const r = input.retentionDays;
    if (r !== undefined && (!Number.isInteger(r) || r < 1 || r > 365))
      throw unprocessable("retentionDays must be a whole number from 1 to 365");
    const workload = this.workloadOf(d, input.agentId);
    const driver = input.driver ?? "volumeSnapshot";
    const available = this.driver.capabilities().backupDrivers;
    if (!available.includes(driver)) {
      throw unprocessable(
        `backup driver ${driver} is not available on this runtime (available: ${available.join(", ")})`,
      );
    }
    const at = this.clock.now();
    const stamp = at
      .toISOString()
      .replace(/\.\d+Z$/, "Z")
      .replaceAll(":", "-");
    const row: BackupRow = {
      id: newId(),
      deployment_id: d.id,
      team_id: d.teamId,
      namespace: d.namespace,
      namespace_id: d.namespaceId,
      agent_id: workload,
      sandbox_name: workload,
      pvc_name: `berth-data-${workload}`,
      driver,
      snapshot_name: driver === "volumeSnapshot" ? `${d.namespace}-${workload}-${stamp}` : null,
      object_key: null,
      status: "running",
      phase: "queued",
      error: null,
      expires_at: r !== undefined ? new Date(at.getTime() + r * 86_400_000).toISOString() : null,
      bytes_done: 0,
      total_bytes: 0,
      checksum: null,
      key_id: null,
      wrapped_key: null,
      restore_status: null,
      created_at: at.toISOString(),
      updated_at: at.toISOString(),
    };
    const { done } = await this.ops.start(
      {
        kind: "backup",
        namespace: d.namespaceId,
        deploymentId: d.id,
        phase: "queued",
        payload: { backupId: row.id },
      },
      () => this.store.backups.insert(row).then(() => undefined),
    );
    done.catch(() => undefined);
    return backupView(row);
  }

  private async setPhase(id: string, phase: string, extra: Partial<BackupRow> = {}) {
    await this.store.backups.update(id, { phase, updated_at: this.now(), ...extra });
  }

  private async runBackup(ctx: OperationContext): Promise<void> {
    const { backupId } = ctx.payload<{ backupId: string }>();
    const b = await this.store.backups.get(backupId);
    if (!b) throw new BerthError("INTERNAL", "backup record missing");
    const volume = this.volumeOf(b);
    const file = path.join(this.dataDir, "tmp", `backup-${b.id}.tar.gz.enc`);
    try {
      const phase = b.driver === "volumeSnapshot" ? "snapshot-creating" : "object-archiving";
      await ctx.phase(phase);
      await this.setPhase(b.id, phase, { total_bytes: await this.driver.volumeBytes(volume) });
      if (b.driver === "volumeSnapshot") {
        const { bytes } = await this.driver.snapshotVolume(volume, b.id);
        await this.setPhase(b.id, "completed", {
          status: "succeeded",
          bytes_done: bytes,
          total_bytes: bytes,
        });
        return;
      }
      const dataKey = this.keys.newDataKey(b.namespace_id);
      let lastReport = 0;
      await fs.mkdir(path.dirname(file), { recursive: true });
      const result = await sealArchive(this.driver.exportVolume(volume), file, {
        key: dataKey.key,
        onBytes: (n) => {
          if (Date.now() - lastReport > 500) {
            lastReport = Date.now();
            void this.store.backups.update(b.id, { bytes_done: n }).catch(() => undefined);
          }
        },
      });
      const objectKey = `${b.namespace_id}/${b.agent_id}/${b.id}.tar.gz.enc`;
      await this.objects.put(objectKey, file);
      await this.setPhase(b.id, "completed", {
        status: "succeeded",
        object_key: objectKey,
        checksum: result.checksum,
        key_id: dataKey.keyId,
        wrapped_key: dataKey.wrapped,
        bytes_done: result.bytes,
      });
    } catch (err) {
      await this.setPhase(b.id, "failed", { status: "failed", error: (err as Error).message });
      throw err;
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  async restore(caller: Principal, d: Deployment, input: { agentId?: string; backupId?: string }) {
    requireScope(caller, "deployments:write");
    if (!d.isCurrent) throw conflict("cannot restore into a historical deployment");
    if (!canBackUp(d.status)) throw unprocessable(`cannot restore a deployment in status ${d.status}`);
    const workload = this.workloadOf(d, input.agentId);
    const b = input.backupId
      ? await this.store.backups.get(input.backupId)
      : await this.store.backups.newestSucceeded(d.namespaceId, workload);
    // a backup belongs to its namespace incarnation: never to a later namespace of the same name
    if (!b || b.namespace_id !== d.namespaceId || b.team_id !== d.teamId)
      throw notFound(input.backupId ? "backup" : "succeeded backup for this agent");
    if (!isRestorableBackup(b.status))
      throw unprocessable(`backup ${b.id} is ${b.status} and cannot be restored`);
    if (b.agent_id !== workload) throw unprocessable(`backup ${b.id} belongs to agent ${b.agent_id}`);
    const rows = await this.store.deployments.workloads(d.id);
    const wasRunning =
      (rows.find((w) => w.name === workload)?.desired_replicas ?? 0) > 0 && !pauseIsNoop(d.status);
    const marking = { phase: "restoring-pausing", restore_status: "running", error: null };
    const { done } = await this.ops.start(
      {
        kind: "restore",
        namespace: d.namespaceId,
        deploymentId: d.id,
        phase: "restoring-pausing",
        payload: { backupId: b.id, workload, wasRunning } satisfies RestorePayload,
      },
      // marked before the handler runs, so a fast restore's final phase is never overwritten
      () => this.setPhase(b.id, marking.phase, marking),
    );
    done.catch(() => undefined);
    return { backup: backupView({ ...b, ...marking }), deployment: d, actor: actorOf(caller) };
  }

  private async runRestore(ctx: OperationContext): Promise<void> {
    const p = ctx.payload<RestorePayload>();
    const b = await this.store.backups.get(p.backupId);
    if (!b) throw new BerthError("INTERNAL", "backup record missing");
    const deploymentId = ctx.op.deployment_id;
    const target = { workload: p.workload, actor: "system:restore", reason: `restoring backup ${b.id}` };
    try {
      if (ctx.op.phase === "restoring-pausing") {
        await this.setPhase(b.id, "restoring-pausing", { restore_status: "running" });
        if (p.wasRunning) await this.lifecycle.pauseWithin(deploymentId, target);
        await ctx.phase("restoring-pvc");
      }
      if (ctx.op.phase === "restoring-pvc") {
        await this.setPhase(b.id, "restoring-pvc");
        await this.swapIn(b);
        await ctx.phase("restoring-resuming");
      }
      await this.setPhase(b.id, "restoring-resuming");
      if (p.wasRunning)
        await this.lifecycle.resumeWithin(deploymentId, { ...target, reason: `restored backup ${b.id}` });
      await this.setPhase(b.id, "completed", { restore_status: "succeeded" });
    } catch (err) {
      const message = (err as Error).message;
      await this.setPhase(b.id, "failed", { restore_status: "failed", error: message });
      if (p.wasRunning) {
        await this.lifecycle
          .resumeWithin(deploymentId, { ...target, reason: `restore failed, volume unchanged: ${message}` })
          .catch((e) => this.log.warn({ err: e, deploymentId }, "could not resume after a failed restore"));
      }
      throw err;
    }
  }

  /** Puts the backup's content into the volume through the driver (all or nothing, re-runnable). */
  private async swapIn(b: BackupRow): Promise<void> {
    if (b.driver === "volumeSnapshot") {
      await this.driver.restoreVolume(this.volumeOf(b), b.id, { snapshot: b.id });
      return;
    }
    const objectKey = b.object_key;
    const checksum = b.checksum;
    if (!objectKey || !checksum) throw new ArchiveError("backup has no archive");
    await this.driver.restoreVolume(this.volumeOf(b), b.id, {
      archive: async (extract) => {
        const { stream, size } = await this.objects.read(objectKey);
        const key = b.wrapped_key ? this.keys.unwrap(b.namespace_id, b.wrapped_key) : undefined;
        const scratchDir = path.join(this.dataDir, "tmp");
        await restoreArchive(stream, extract, { checksum, storedBytes: size, key, scratchDir });
      },
    });
  }

  /**
   * Deletes every backup of a namespace incarnation, artifacts first, then the records (re-run
   * after a crash, it finishes the job): a deleted namespace's backups go with it (docs/decisions.md).
   */
  async deleteNamespace(namespaceId: string): Promise<void> {
    for (const b of await this.store.backups.list(namespaceId)) await this.deleteArtifacts(b);
    await this.store.backups.deleteInNamespace(namespaceId);
  }

  private async deleteArtifacts(b: BackupRow): Promise<void> {
    if (b.object_key) await this.objects.delete(b.object_key);
    await this.driver.deleteSnapshot(this.volumeOf(b), b.id);
  }

  /** Deletes expired artifacts and marks their records; returns the ids it collected. */
  async collect(): Promise<string[]> {
    const done: string[] = [];
    for (const b of await this.store.backups.expired(this.now())) {
      try {
        await this.deleteArtifacts(b);
        await this.setPhase(b.id, "expired", { status: "expired" });
        done.push(b.id);
      } catch (err) {
        this.log.warn({ err, backupId: b.id }, "could not collect an expired backup");
      }
    }
    return done;
  }

  async reload(id: string): Promise<Deployment> {
    const row = await this.store.deployments.get(id);
    if (!row) throw notFound("deployment");
    return toDeployment(row);
  }
}
