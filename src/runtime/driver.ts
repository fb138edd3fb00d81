/**
 * The runtime driver boundary. The control plane never starts a process or calls a cluster API
 * except through a RuntimeDriver. Drivers are level-based: `apply` states the desired replicas of one
 * workload and the driver converges on it; observed state is read back with `status`.
 *
 * Invariants every driver keeps (checked by the shared contract suite in driver.contract.ts):
 * - apply() is idempotent: the same desired workload twice changes nothing.
 * - a change of `specHash` replaces every replica (rolling: new replica ready before the old stops;
 *   recreate: old stopped first).
 * - remove() resolves only when no replica of the workload runs any more; the volume is kept.
 * - close() stops supervising without stopping workloads; a new driver on the same state adopts them.
 */

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

/** What a scheduled session needs to run in the same sandbox as replicas (local runtime). */
export interface SessionSandbox {
  /** Where the sandbox keeps its run files. */
  runDir: string;
  /** berth's public port, reachable on the sandbox's loopback. */
  apiPort(): number | undefined;
  /** Most processes the session may run. */
  pids: number;
}

/** How a driver isolates tenant processes, for its capability report. */
export interface IsolationReport {
  /** `sandbox`: bubblewrap + pasta + cgroups; `none`: the operator turned it off; `unavailable`: tools missing. */
  mode: "sandbox" | "none" | "unavailable";
  /** Tools the sandbox needs that the host lacks. */
  missing: string[];
  /** Whether a workload with a client-supplied command may run. */
  clientCommands: boolean;
}

export interface RuntimeDriver {
  readonly name: "local" | "container" | "kubernetes";
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
  volumePath(namespace: string, workload: string): string;
  deleteVolume(namespace: string, workload: string): Promise<void>;
  /**
   * Freezes every process of the workload (point-in-time copies of its volume); the returned
   * function thaws them. Thawing a workload that is not frozen is harmless (used after a crash).
   */
  freeze(key: string): Promise<() => void>;
  /** How this runtime runs an image, or undefined when it cannot. */
  resolveImage(image: string): ImageCommand | undefined;
  /** Names of the images this runtime runs (its catalogue). */
  imageNames(): string[];
  /** How tenant processes are isolated (part of the driver's capability report). */
  isolation(): IsolationReport;
  /** The sandbox a scheduled session runs in; undefined when sessions run unsandboxed. */
  sessionSandbox?(pids: number): SessionSandbox | undefined;
  onEvent(listener: (event: RuntimeEvent) => void): () => void;
  /** Called with a workload key whenever its observed state changes (phase, readiness, exit). */
  onChange(listener: (key: string) => void): () => void;
  /** Stop supervising; workloads keep running for a later driver to adopt. */
  close(): Promise<void>;
}
