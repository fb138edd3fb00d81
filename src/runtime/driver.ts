/**
 * The runtime driver boundary: the only door to workloads and volumes. The control plane never
 * starts a process, copies or archives a volume, or calls a cluster API except through a
 * RuntimeDriver. Drivers are level-based: `apply` states the desired replicas of one workload and
 * the driver converges on it; observed state is read back with `status`.
 *
 * Verbs (docs/architecture.md lists them): replicas (apply, remove, status, keys, endpoints),
 * sessions (startSession, deleteSessionState), volumes (volumeBytes, snapshotVolume, deleteSnapshot, exportVolume,
 * restoreVolume, deleteVolume), logs (readLogs, followLogs), metrics, events (onEvent, onChange),
 * images (resolveImage) and the capability report (capabilities). A driver that cannot offer a verb
 * rejects it with UnsupportedVerb and leaves it out of its capability report.
 *
 * Invariants every driver keeps (checked by the shared contract suite in driver.contract.ts):
 * - apply() is idempotent: the same desired workload twice changes nothing.
 * - a change of `specHash` replaces every replica (rolling: new replica ready before the old stops;
 *   recreate: old stopped first).
 * - remove() resolves only when no replica of the workload runs any more; the volume is kept.
 * - snapshots and exported archives are a point in time: the workload's processes are frozen while
 *   the volume is read. restoreVolume leaves the volume with its old content or the new one, never
 *   a mix, and can be called again with the same restore id after a crash to finish.
 * - close() stops supervising without stopping workloads; a new driver on the same state adopts them
 *   (and thaws any it finds frozen by a control plane that died mid-snapshot).
 */
import type { Readable } from "node:stream";

export type HealthCheck =
  | { type: "http"; path: string; intervalMs?: number }
  | { type: "tcp"; intervalMs?: number }
  | { type: "none" };

/** A workload spec with every value resolved (user-supplied env already decrypted). */
export interface ResolvedWorkloadSpec {
  /** Executable, started without a shell. */
  command: string;
  /** As the spec's author wrote them: `$(VAR)` in args and env is expanded by the runtime. */
  args: string[];
  env: Record<string, string>;
  /**
   * Env values a user supplied through an API (decrypted): given to the process byte for byte,
   * never expanded, never written into an event, a log line or an error message.
   */
  values?: Record<string, string>;
  /** True when the workload listens on the port the runtime assigns (env PORT). */
  listens: boolean;
  healthCheck: HealthCheck;
  resources?: { cpu?: string; memory?: string };
  /** Container image (container and kubernetes runtimes); informational on the local runtime. */
  image?: string;
  /** Where the workload sees its volume (local runtime sandbox: its bind mount; default /data). */
  mountPath?: string;
  /** Host paths the program needs, bound read-only into its sandbox (from the image catalogue). */
  readOnlyPaths?: string[];
  /** Most processes the workload may run at once (its team's tier). */
  pids?: number;
  /** Port the workload listens on inside its container (seed 004's containerPort). */
  port?: number;
}

export interface DesiredWorkload {
  /** Stable identity of the workload: `<deploymentId>/<workloadName>`. */
  key: string;
  namespace: string;
  /** Workload (sandbox) name, unique inside its deployment. */
  name: string;
  spec: ResolvedWorkloadSpec;
  replicas: number;
  /** Hash of everything that requires new processes when it changes (spec + restart generation). */
  specHash: string;
  strategy: "rolling" | "recreate";
  /** An agent (one replica; a Sandbox on Kubernetes when agent-sandbox is installed) or a service. */
  kind?: "agent" | "service";
  /** The owning team's id (cluster runtimes label every object with it). */
  team?: string;
  /** The owning team's tier (cluster runtimes pick a runtimeClassName per tier). */
  tier?: string;
  /** The deployment's name and visibility (cluster runtimes give a public one an Ingress host). */
  deploymentName?: string;
  visibility?: "public" | "internal";
}

export type ReplicaPhase = "starting" | "ready" | "unready" | "backoff" | "stopping" | "failed";

export interface ReplicaStatus {
  index: number;
  pid: number | null;
  port: number | null;
  phase: ReplicaPhase;
  restarts: number;
  startedAt: string | null;
  specHash: string;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  /** Why the replica is `failed` (e.g. the image pull error), when the driver knows. */
  reason?: string;
}

export interface WorkloadStatus {
  key: string;
  desiredReplicas: number;
  readyReplicas: number;
  specHash: string;
  replicas: ReplicaStatus[];
  /**
   * Set when a rolling update to `specHash` failed: its new replica never became ready, so the
   * previous replicas keep serving and the driver does not retry that spec (a new spec does).
   */
  failedRollout?: { specHash: string; reason: string };
}

export interface RuntimeEvent {
  key: string;
  type: "Normal" | "Warning";
  /** Kubernetes-style reason: Scheduled, Started, Ready, Unhealthy, BackOff, Killing, Failed, Adopted… */
  reason: string;
  message: string;
  /** The object the event is about, e.g. `pod/abc123xyz7-web-0`. */
  object: string;
  at: Date;
}

export interface Endpoint {
  host: string;
  port: number;
}

export interface WorkloadMetrics {
  cpuMillicores: number;
  memoryBytes: number;
  at: Date;
}

export interface LogQuery {
  tail: number;
  /** Replica index; all replicas when omitted. */
  replica?: number;
}

export interface ImageCommand {
  command: string;
  args: string[];
  /** Port the image listens on when none is given. */
  defaultPort?: number;
  healthCheck?: HealthCheck;
  /** Host paths the program needs, bound read-only into its sandbox. */
  paths?: string[];
  /** Env vars the image sets (a workload's own env wins). */
  env?: Record<string, string>;
}

/** The persistent volume of one workload of a namespace; it outlives the workload's replicas. */
export interface VolumeRef {
  namespace: string;
  workload: string;
}

/**
 * Where restoreVolume takes the new content from: a snapshot of this volume, or an archive (the
 * bytes exportVolume produces). For an archive the caller gets `extract`, feeds it the archive's
 * plain bytes, and resolves only once it has verified them (checksum, authentication, limits):
 * the driver swaps the extracted content in only when `archive` resolves, and discards it when it
 * rejects. A caller that finds a problem mid-stream destroys the stream it passed to `extract`.
 */
export type VolumeSource =
  | { snapshot: string }
  | { archive: (extract: (plain: Readable) => Promise<void>) => Promise<void> };

/** One run of a scheduled agent session: a process fed `input` on stdin, killed after `timeoutMs`. */
export interface SessionRequest {
  /** BERTH_SESSION_ID in the session's env. */
  sessionId: string;
  /**
   * The session's state directory (BERTH_VOLUME_DIR and HOME): the same scope and name give the
   * same state across runs (`reuse_session`).
   */
  state: { scope: string; name: string };
  /** Executable, started without a shell. */
  command: string;
  args: string[];
  /** Env the agent's author wrote (its spec); the driver adds PATH, HOME and BERTH_*. */
  env: Record<string, string>;
  /** Values a user supplied (vault secrets): set in the env byte for byte, after `env`. */
  values: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input: string;
  timeoutMs: number;
  /** True when the command came from the client: refused where the capability report says `clientCommands: false`. */
  clientCommand: boolean;
  /** Where the session sees its state directory inside a sandbox (default /data). */
  mountPath?: string;
  /** Host paths the program needs (its image's), bound read-only into its sandbox. */
  readOnlyPaths?: string[];
  /** Kubernetes quantities, enforced as the sandbox's memory and CPU limits. */
  resources?: { cpu?: string; memory?: string };
  /** Most processes the session may run at once (its team's tier). */
  pids: number;
}

export interface SessionExit {
  /** null when the process was killed by a signal or never started. */
  exitCode: number | null;
  timedOut: boolean;
  /** Why the session did not end on its own (cannot start, timeout, killed), or null. */
  error: string | null;
  durationMs: number;
}

export interface RunningSession {
  /**
   * stdout and stderr, interleaved as written; ends when the process has exited. The caller must
   * read it: an unread stream stops the session's writes (back-pressure).
   */
  output: Readable;
  /** Resolves once the process has exited (never rejects). */
  exit: Promise<SessionExit>;
  /** Kills the session's whole process tree now. */
  kill(): void;
}

/** What a runtime offers; services read it instead of assuming the local runtime. */
export interface RuntimeCapabilities {
  runtime: RuntimeDriver["name"];
  /**
   * How tenant processes are separated from each other and from the control plane. Local runtime:
   * `sandbox` (bubblewrap + a veth network + cgroups, docs/sandbox.md), `none` (the operator set
   * BERTH_ISOLATION=none: plain child processes), `unavailable` (sandbox tools missing: plain child
   * processes, client-supplied commands refused). Cluster runtimes: `container` or `pod`.
   */
  isolation: "sandbox" | "none" | "unavailable" | "container" | "pod";
  /** Tools the sandbox needs that this host lacks (empty unless `isolation` is `unavailable`). */
  missing: string[];
  /** Whether a workload or session with a client-supplied command may run. */
  clientCommands: boolean;
  /** Backup drivers this runtime can serve (volumeSnapshot needs snapshots; the others archives). */
  backupDrivers: string[];
  /** Image names resolveImage knows (the runtime's catalogue), sorted. */
  images: string[];
  /** Verbs this driver does not offer (they reject with UnsupportedVerb). */
  unsupported: DriverVerb[];
}

/** Verbs a driver may decline; every other verb is required. */
export type DriverVerb =
  | "startSession"
  | "deleteSessionState"
  | "snapshotVolume"
  | "deleteSnapshot"
  | "exportVolume"
  | "restoreVolume"
  | "metrics"
  | "followLogs";

export class UnsupportedVerb extends Error {
  constructor(
    readonly verb: DriverVerb,
    runtime: string,
  ) {
    super(`the ${runtime} runtime does not support ${verb}`);
  }
}

export interface RuntimeDriver {
  readonly name: "local" | "container" | "kubernetes";
  capabilities(): RuntimeCapabilities;
  apply(workload: DesiredWorkload): Promise<void>;
  remove(key: string): Promise<void>;
  status(key: string): WorkloadStatus | undefined;
  /** Keys of every workload the driver knows (running or adopted). */
  keys(): string[];
  /** Ready replicas' addresses, for the proxy. */
  endpoints(key: string): Endpoint[];
  readLogs(key: string, query: LogQuery): Promise<string>;
  /** Log lines as they are written, starting after the current end; ends when `signal` aborts. */
  followLogs(key: string, query: { replica?: number; signal: AbortSignal }): AsyncIterable<string>;
  metrics(key: string): Promise<WorkloadMetrics | undefined>;
  /** Starts one session; see SessionRequest. Spawn failures surface in `exit`, never as a throw. */
  startSession(request: SessionRequest): RunningSession;
  /** Deletes the state of every session of `scope` (a schedule that is deleted). */
  deleteSessionState(scope: string): Promise<void>;
  /** Bytes the volume holds now (0 when it does not exist). */
  volumeBytes(volume: VolumeRef): Promise<number>;
  /**
   * Takes a point-in-time copy of the volume under `snapshotId` (replacing a partial one left by a
   * crash), freezing the processes that use it meanwhile. Returns the snapshot's size in bytes.
   */
  snapshotVolume(volume: VolumeRef, snapshotId: string): Promise<{ bytes: number }>;
  deleteSnapshot(volume: VolumeRef, snapshotId: string): Promise<void>;
  /**
   * Streams the volume out as a tar.gz archive, freezing its processes until the stream ends. The
   * stream errors when the archive could not be made completely.
   */
  exportVolume(volume: VolumeRef): Readable;
  /**
   * Replaces the volume's content with `source` (see VolumeSource), all or nothing. The workload
   * should not run meanwhile. Calling again with the same `restoreId` after a crash finishes the
   * swap without reading the source again when the new content was already in place.
   */
  restoreVolume(volume: VolumeRef, restoreId: string, source: VolumeSource): Promise<void>;
  /** Deletes the volume and its content; refuses a reference that escapes the runtime's volumes. */
  deleteVolume(volume: VolumeRef): Promise<void>;
  /** How this runtime runs an image, or undefined when it cannot. */
  resolveImage(image: string): ImageCommand | undefined;
  onEvent(listener: (event: RuntimeEvent) => void): () => void;
  /** Called with a workload key whenever its observed state changes (phase, readiness, exit). */
  onChange(listener: (key: string) => void): () => void;
  /** Stop supervising; workloads keep running for a later driver to adopt. */
  close(): Promise<void>;
}
