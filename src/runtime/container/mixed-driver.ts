/**
 * The container runtime as berth runs it (BERTH_RUNTIME=container): one driver over two. Workloads
 * whose image is a container image run as containers (ContainerDriver); workloads with a command,
 * and images of the local catalogue (which are commands: berth/hello, the operator's entries), keep
 * running as sandboxed processes (LocalDriver). Scheduled sessions always run on the local sandbox,
 * so an agent's schedule works the same with or without a container engine.
 *
 * Routing rule, in one place (`runsAsContainer`): a spec with an `image` that the local catalogue
 * does not know. Verbs about a key go to the driver that holds the key; volume verbs go to the
 * container driver while one of its workloads uses the volume, else to the local driver (both keep
 * volumes in the same `<dataDir>/volumes/<namespace>/<workload>` directories, so a workload moving
 * from one to the other keeps its data).
 */
import type { Readable } from "node:stream";
import type {
  DesiredWorkload,
  DriverVerb,
  Endpoint,
  ImageCommand,
  LogQuery,
  ResolvedWorkloadSpec,
  RunningSession,
  RuntimeCapabilities,
  RuntimeDriver,
  RuntimeEvent,
  SessionRequest,
  VolumeRef,
  VolumeSource,
  WorkloadMetrics,
  WorkloadStatus,
} from "../driver.js";
import type { LocalDriver } from "../local/local-driver.js";
import type { ContainerDriver } from "./container-driver.js";

const SESSION_VERBS: DriverVerb[] = ["startSession", "deleteSessionState"];

export class MixedDriver implements RuntimeDriver {
  readonly name = "container" as const;

  constructor(
    readonly local: LocalDriver,
    readonly containers: ContainerDriver,
  ) {}

  /** True when `spec` runs as a container: it names an image the local catalogue does not know. */
  runsAsContainer(spec: ResolvedWorkloadSpec): boolean {
    return spec.image !== undefined && this.local.resolveImage(spec.image) === undefined;
  }

  private holder(key: string): RuntimeDriver {
    return this.containers.status(key) !== undefined ? this.containers : this.local;
  }

  private volumeHolder(volume: VolumeRef): RuntimeDriver {
    return this.containers.uses(volume) ? this.containers : this.local;
  }

  capabilities(): RuntimeCapabilities {
    const l = this.local.capabilities();
    const c = this.containers.capabilities();
    const declined = (v: DriverVerb) =>
      SESSION_VERBS.includes(v)
        ? l.unsupported.includes(v)
        : l.unsupported.includes(v) || c.unsupported.includes(v);
    const verbs = new Set([...l.unsupported, ...c.unsupported]);
    return {
      runtime: this.name,
      // the sandbox governs what commands may run; images always run in containers
      isolation: l.isolation,
      missing: l.missing,
      clientCommands: l.clientCommands,
      backupDrivers: l.backupDrivers.filter((b) => c.backupDrivers.includes(b)),
      images: [...new Set([...l.images, ...c.images])].sort(),
      unsupported: [...verbs].filter(declined),
    };
  }

  async apply(workload: DesiredWorkload): Promise<void> {
    const [target, other] = this.runsAsContainer(workload.spec)
      ? [this.containers, this.local]
      : [this.local, this.containers];
    // a workload that changed kind (image ↔ command) leaves its old runtime first
    if (other.status(workload.key) !== undefined) await other.remove(workload.key);
    await target.apply(workload);
  }

  async remove(key: string): Promise<void> {
    await Promise.all([this.local.remove(key), this.containers.remove(key)]);
  }

  status(key: string): WorkloadStatus | undefined {
    return this.holder(key).status(key);
  }

  keys(): string[] {
    return [...new Set([...this.local.keys(), ...this.containers.keys()])];
  }

  endpoints(key: string): Endpoint[] {
    return this.holder(key).endpoints(key);
  }

  readLogs(key: string, query: LogQuery): Promise<string> {
    return this.holder(key).readLogs(key, query);
  }

  followLogs(key: string, query: { replica?: number; signal: AbortSignal }): AsyncIterable<string> {
    return this.holder(key).followLogs(key, query);
  }

  metrics(key: string): Promise<WorkloadMetrics | undefined> {
    return this.holder(key).metrics(key);
  }

  startSession(request: SessionRequest): RunningSession {
    return this.local.startSession(request);
  }

  deleteSessionState(scope: string): Promise<void> {
    return this.local.deleteSessionState(scope);
  }

  volumeBytes(volume: VolumeRef): Promise<number> {
    return this.volumeHolder(volume).volumeBytes(volume);
  }

  snapshotVolume(volume: VolumeRef, snapshotId: string): Promise<{ bytes: number }> {
    return this.volumeHolder(volume).snapshotVolume(volume, snapshotId);
  }

  deleteSnapshot(volume: VolumeRef, snapshotId: string): Promise<void> {
    return this.volumeHolder(volume).deleteSnapshot(volume, snapshotId);
  }

  exportVolume(volume: VolumeRef): Readable {
    return this.volumeHolder(volume).exportVolume(volume);
  }

  restoreVolume(volume: VolumeRef, restoreId: string, source: VolumeSource): Promise<void> {
    return this.volumeHolder(volume).restoreVolume(volume, restoreId, source);
  }

  deleteVolume(volume: VolumeRef): Promise<void> {
    return this.volumeHolder(volume).deleteVolume(volume);
  }

  /** Where a workload's volume lives on this machine (the same directory for both runtimes). */
  volumePath(namespace: string, workload: string): string {
    return this.local.volumePath(namespace, workload);
  }

  resolveImage(image: string): ImageCommand | undefined {
    return this.local.resolveImage(image) ?? this.containers.resolveImage(image);
  }

  setApiPort(port: number): void {
    this.local.setApiPort(port);
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    const offs = [this.local.onEvent(listener), this.containers.onEvent(listener)];
    return () => {
      for (const off of offs) off();
    };
  }

  onChange(listener: (key: string) => void): () => void {
    const offs = [this.local.onChange(listener), this.containers.onChange(listener)];
    return () => {
      for (const off of offs) off();
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.containers.close()]);
  }
}
