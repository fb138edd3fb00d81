/**
 * The volume verbs of the driver boundary (driver.ts) as drivers serve them: each driver keeps its
 * volumes in one store (local directories for the local and container runtimes, PVCs for
 * kubernetes) and its verbs forward to that store. A driver extends VolumeVerbs and sets `volumes`;
 * it overrides a verb only where it does more than its store (kubernetes' deleteVolume also deletes
 * the workload's objects).
 */
import type { Readable } from "node:stream";
import type { VolumeRef, VolumeSource } from "./driver.js";

/** Where a runtime keeps its volumes; the semantics are those of the matching driver.ts verbs. */
export interface VolumeStore {
  bytes(v: VolumeRef): Promise<number>;
  snapshot(v: VolumeRef, snapshotId: string): Promise<{ bytes: number }>;
  deleteSnapshot(v: VolumeRef, snapshotId: string): Promise<void>;
  export(v: VolumeRef): Readable;
  restore(v: VolumeRef, restoreId: string, source: VolumeSource): Promise<void>;
  delete(v: VolumeRef): Promise<void>;
}

export abstract class VolumeVerbs {
  protected abstract readonly volumes: VolumeStore;

  volumeBytes(volume: VolumeRef): Promise<number> {
    return this.volumes.bytes(volume);
  }

  snapshotVolume(volume: VolumeRef, snapshotId: string): Promise<{ bytes: number }> {
    return this.volumes.snapshot(volume, snapshotId);
  }

  deleteSnapshot(volume: VolumeRef, snapshotId: string): Promise<void> {
    return this.volumes.deleteSnapshot(volume, snapshotId);
  }

  exportVolume(volume: VolumeRef): Readable {
    return this.volumes.export(volume);
  }

  restoreVolume(volume: VolumeRef, restoreId: string, source: VolumeSource): Promise<void> {
    return this.volumes.restore(volume, restoreId, source);
  }

  deleteVolume(volume: VolumeRef): Promise<void> {
    return this.volumes.delete(volume);
  }
}
