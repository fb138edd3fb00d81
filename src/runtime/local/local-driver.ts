/**
 * The local runtime: each workload replica and each scheduled session is a child process on this
 * machine (replica.ts, session.ts; both started by spawn.ts), and each volume a directory
 * (volumes.ts).
 * State needed to re-adopt processes after a control-plane restart (pid, start time, port, spec
 * hash — never env values) is persisted per workload under `<dataDir>/runtime/local/`, written
 * atomically. Operations on one workload are serialised; different workloads proceed in parallel.
 */
import { SerialByKey } from "../../util/serial-by-key.js";
import { VolumeVerbs } from "../volume-verbs.js";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import type {
  DesiredWorkload,
  Endpoint,
  ImageCommand,
  LogQuery,
  RunningSession,
  RuntimeCapabilities,
  RuntimeDriver,
  RuntimeEvent,
  SessionRequest,
  VolumeRef,
  WorkloadMetrics,
  WorkloadStatus,
} from "../driver.js";
import { LogFiles, safeKey } from "./logs.js";
import { cgroupLayout, cgroupUsage, sweepEmptyCgroups } from "./cgroups.js";
import { cpuSeconds, findByInstance, freePort, isSameProcess, rssBytes, signalGroup } from "./proc.js";
import { type PersistedReplica, Replica, type ReplicaContext } from "./replica.js";
import { NetworkPool, type WarmNetwork } from "./network-pool.js";
import { sweepStaleNetns } from "./netns.js";
import { missingSandboxTools, releaseSandbox, type SandboxHost, sandboxIdOf } from "./sandbox.js";
import { sweepStaleNetworks } from "./sandbox-network.js";
import type { TenantSandbox } from "./spawn.js";
import { refusedSession, sessionScopeDir, startLocalSession } from "./session.js";
import { LocalVolumes } from "./volumes.js";

export interface LocalDriverOptions {
  dataDir: string;
  logger: {
    info(o: object, m?: string): void;
    warn(o: object, m?: string): void;
    error(o: object, m?: string): void;
  };
  clock?: { now(): Date };
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
  stopGraceMs?: number;
  probeIntervalMs?: number;
  host?: string;
  images?: Record<string, ImageCommand>;
  logMaxBytes?: number;
  /** How long a rolling replacement waits for the new replica to be ready. */
  rolloutTimeoutMs?: number;
  /**
   * `sandbox` (default): every replica runs in its sandbox (sandbox.ts); when the host lacks a tool,
   * only catalogue images run (unsandboxed, they are the operator's) and client commands are refused.
   * `none`: the operator's explicit choice to run everything unsandboxed (BERTH_ISOLATION=none).
   */
  isolation?: "sandbox" | "none";
  /** Most processes one replica may run (per tier; the reconciler sets it per workload). */
  defaultPids?: number;
  /**
   * Sandbox networks kept made ahead for replicas that listen (network-pool.ts; default 2, 0 = none).
   * The pool fills once berth's API port is known (`setApiPort`).
   */
  warmNetworks?: number;
  /** IPv4 CIDR sandbox addresses come from (config BERTH_SANDBOX_SUBNET; sandbox-network.ts default). */
  sandboxSubnet?: string;
}

interface PersistedWorkload {
  key: string;
  namespace: string;
  name: string;
  specHash: string;
  replicas: PersistedReplica[];
}

interface Workload {
  key: string;
  namespace: string;
  name: string;
  desired: DesiredWorkload | undefined;
  replicas: Replica[];
  /** New replicas of a rolling update, serving alongside the old ones until they take over. */
  surge: Replica[];
  /** The spec whose rolling update failed (not retried until the spec changes). */
  failedRollout?: { specHash: string; reason: string };
  /** The state last written to its file (persist skips a write that would change nothing). */
  written?: string;
}

export class LocalDriver extends VolumeVerbs implements RuntimeDriver {
  readonly name = "local" as const;
  private readonly workloads = new Map<string, Workload>();
  private readonly serialized = new SerialByKey();
  private readonly eventListeners = new Set<(e: RuntimeEvent) => void>();
  private readonly changeListeners = new Set<(key: string) => void>();
  private readonly logs: LogFiles;
  private readonly stateDir: string;
  private readonly cpuSamples = new Map<string, { seconds: number; at: number }>();
  private readonly host: string;
  private readonly clock: { now(): Date };
  protected readonly volumes: LocalVolumes;
  private rotationTimer: NodeJS.Timeout | undefined;
  private readonly missingTools: string[];
  private apiPort: number | undefined;
  private pool: NetworkPool | undefined;

  constructor(private readonly opts: LocalDriverOptions) {
    super();
    this.missingTools = opts.isolation === "none" ? [] : missingSandboxTools();
    this.host = opts.host ?? "127.0.0.1";
    this.clock = opts.clock ?? { now: () => new Date() };
    this.volumes = new LocalVolumes(opts.dataDir, (v) => this.freeze(v));
    this.logs = new LogFiles(path.join(opts.dataDir, "logs"), opts.logMaxBytes ?? 10 * 1024 * 1024);
    this.stateDir = path.join(opts.dataDir, "runtime", "local");
  }

  /** Loads persisted workloads and adopts their processes that still run. */
  async start(): Promise<void> {
    await fsp.mkdir(this.stateDir, { recursive: true });
    if (this.sandboxed()) await this.guardDataDir();
    for (const file of await fsp.readdir(this.stateDir)) {
      if (!file.endsWith(".json")) continue;
      let state: PersistedWorkload;
      try {
        state = JSON.parse(await fsp.readFile(path.join(this.stateDir, file), "utf8")) as PersistedWorkload;
      } catch (err) {
        this.opts.logger.warn({ err, file }, "unreadable runtime state file skipped");
        continue;
      }
      const w: Workload = {
        key: state.key,
        namespace: state.namespace,
        name: state.name,
        desired: undefined,
        replicas: [],
        surge: [],
      };
      this.workloads.set(w.key, w);
      for (const p of state.replicas) {
        const r = this.newReplica(w, p.index, p.port, p.specHash, undefined, p.restarts);
        w.replicas.push(r);
        // A sandbox whose recorded outer process is gone is dead even if something inside lingers
        // (released below); the marker search is for a start whose pid was never recorded.
        const found =
          p.pid !== null && p.startTime !== null && isSameProcess(p.pid, p.startTime)
            ? { pid: p.pid, startTime: p.startTime }
            : p.instance && (p.pid === null || !this.sandboxed())
              ? findByInstance(p.instance)
              : undefined;
        if (found) {
          // a control plane that died while snapshotting may have left it frozen
          signalGroup(found.pid, "SIGCONT");
          r.adopt(found.pid, found.startTime, p.instance ?? null);
        } else {
          if (p.instance && this.sandboxed()) await releaseSandbox(this.netHost, sandboxIdOf(p.instance));
          r.phase = "backoff";
          r.start(); // waits for the spec from the reconciler's next apply
        }
      }
    }
    const layout = cgroupLayout();
    if (this.sandboxed() && layout) sweepEmptyCgroups(layout);
    if (this.sandboxed()) {
      const removed = await sweepStaleNetns(60_000, this.clock.now().getTime());
      if (removed.length > 0)
        this.opts.logger.info({ count: removed.length }, "removed stale sandbox network namespaces");
      const blocks = await sweepStaleNetworks(this.runDir);
      if (blocks > 0) this.opts.logger.info({ count: blocks }, "released stale sandbox addresses");
    }
    this.rotationTimer = setInterval(() => void this.rotateLogs(), 30_000);
    this.rotationTimer.unref();
  }

  /** berth's public port: sandboxes reach it at 127.0.0.1:<port> inside (heartbeats, the API). */
  setApiPort(port: number): void {
    this.apiPort = port;
    const size = this.opts.warmNetworks ?? 2;
    if (this.pool || !this.sandboxed() || size === 0) return;
    this.pool = new NetworkPool({
      host: this.netHost,
      size,
      bindHost: this.host,
      apiPort: port,
      busy: () => this.starting(),
      onError: (err) => this.opts.logger.warn({ err }, "could not make a sandbox network ahead"),
    });
    this.pool.start();
  }

  /** True while any replica is starting (its process launched, not yet ready). */
  private starting(): boolean {
    for (const w of this.workloads.values())
      for (const r of [...w.replicas, ...w.surge]) if (r.phase === "starting") return true;
    return false;
  }

  /** Sandbox networks made ahead and ready to be taken now (0 without a pool). */
  warmNetworksReady(): number {
    return this.pool?.ready ?? 0;
  }

  private isolation(): Pick<RuntimeCapabilities, "isolation" | "missing" | "clientCommands"> {
    if (this.opts.isolation === "none") return { isolation: "none", missing: [], clientCommands: true };
    if (this.missingTools.length > 0)
      return { isolation: "unavailable", missing: [...this.missingTools], clientCommands: false };
    return { isolation: "sandbox", missing: [], clientCommands: true };
  }

  private sandboxed(): boolean {
    return this.isolation().isolation === "sandbox";
  }

  /** Where sandboxes run (undefined when tenant processes run unsandboxed). */
  private sandboxHost(): TenantSandbox | undefined {
    return this.sandboxed() ? { ...this.netHost, apiPort: () => this.apiPort } : undefined;
  }

  /**
   * The unprivileged sandbox launcher resolves its volume's path, so the data dir and the volume
   * tree must be traversable (x) by others — and nothing else: listing is not allowed, and berth's
   * own files (logs, runtime state, database) are closed to every other user.
   */
  private async guardDataDir(): Promise<void> {
    const volumes = path.join(this.opts.dataDir, "volumes");
    await fsp.mkdir(volumes, { recursive: true });
    await fsp.mkdir(path.join(this.opts.dataDir, "logs"), { recursive: true });
    await fsp.chmod(this.opts.dataDir, 0o711);
    await fsp.chmod(volumes, 0o711);
    await fsp.chmod(path.join(this.opts.dataDir, "logs"), 0o700);
    await fsp.chmod(path.join(this.opts.dataDir, "runtime"), 0o700);
    for (const name of ["berth.db", "berth.db-wal", "berth.db-shm"]) {
      await fsp.chmod(path.join(this.opts.dataDir, name), 0o600).catch(() => undefined);
    }
  }

  private get runDir(): string {
    return path.join(this.stateDir, "run");
  }

  /** Where sandboxes keep their run files and take their addresses from. */
  private get netHost(): SandboxHost {
    return { runDir: this.runDir, subnet: this.opts.sandboxSubnet };
  }

  private context(w: Workload, index: number): ReplicaContext {
    const pids = w.desired?.spec.pids ?? this.opts.defaultPids ?? 256;
    return {
      sandbox: this.sandboxed() ? { ...this.netHost, apiPort: () => this.apiPort, pids } : undefined,
      host: this.host,
      volumeDir: this.volumePath(w.namespace, w.name),
      openLog: () => this.logs.open(w.key, index),
      logFile: () => this.logs.file(w.key, index),
      backoff: this.opts.backoff ?? { initialMs: 1_000, maxMs: 300_000, resetAfterMs: 600_000 },
      probeIntervalMs: this.opts.probeIntervalMs ?? 5_000,
      now: () => this.clock.now(),
      event: (type, reason, message) =>
        this.emit({
          key: w.key,
          type,
          reason,
          message,
          object: `pod/${w.name}-${index}`,
          at: this.clock.now(),
        }),
      persist: () => void this.persist(w),
      changed: () => {
        void this.persist(w);
        for (const l of this.changeListeners) l(w.key);
      },
    };
  }

  private newReplica(
    w: Workload,
    index: number,
    port: number | null,
    hash: string,
    d: DesiredWorkload | undefined,
    restarts = 0,
    warm?: WarmNetwork,
  ) {
    return new Replica(index, port, hash, d?.spec, this.context(w, index), restarts, warm);
  }

  private emit(e: RuntimeEvent): void {
    for (const l of this.eventListeners) l(e);
  }

  apply(d: DesiredWorkload): Promise<void> {
    return this.serialized.run(d.key, async () => {
      let w = this.workloads.get(d.key);
      if (!w) {
        w = { key: d.key, namespace: d.namespace, name: d.name, desired: d, replicas: [], surge: [] };
        this.workloads.set(d.key, w);
      }
      w.desired = d;
      if (
        w.surge.length === 0 &&
        w.replicas.length === d.replicas &&
        w.replicas.every((r) => r.specHash === d.specHash)
      ) {
        // Nothing to start or stop (each readiness change of a running workload comes back here,
        // a woken one's included): no file-system round trips on the way to its status write.
        for (const r of w.replicas) r.setSpec(d.spec);
        w.failedRollout = undefined;
        await this.persist(w);
        return;
      }
      // Synchronous: microseconds for a directory that exists, and no thread-pool round trips
      // before a woken replica's spawn.
      fs.mkdirSync(this.volumePath(d.namespace, d.name), { recursive: true });
      if (this.sandboxed()) fs.chmodSync(path.dirname(this.volumePath(d.namespace, d.name)), 0o711);
      const grace = this.opts.stopGraceMs ?? 10_000;
      while (w.replicas.length > d.replicas) await w.replicas.pop()!.stop(grace);
      for (let i = 0; i < d.replicas; i++) {
        const current = w.replicas[i];
        if (!current) {
          await this.startReplica(w, i, d, (r) => {
            w.replicas[i] = r;
          });
        } else if (current.specHash !== d.specHash) {
          if (d.strategy === "recreate") {
            w.replicas[i] = await this.recreateReplica(w, current, d);
            continue;
          }
          // after a failed rollout of this spec, the old replicas keep serving until the spec changes
          const next =
            w.failedRollout?.specHash === d.specHash ? undefined : await this.rollReplica(w, current, d);
          if (!next) break;
          w.replicas[i] = next;
        } else {
          current.setSpec(d.spec);
        }
      }
      if (w.replicas.every((r) => r.specHash === d.specHash)) w.failedRollout = undefined;
      await this.persist(w);
    });
  }

  /**
   * Creates a replica, lets `place` put it into the workload (slot or surge) and only then starts
   * it, so the persisted state knows the process from its first moment: a control plane killed
   * right after the spawn still finds it to adopt.
   */
  private async startReplica(
    w: Workload,
    index: number,
    d: DesiredWorkload,
    place: (r: Replica) => void,
  ): Promise<Replica> {
    // A replica that listens takes a network made ahead (its port forwarded already) when one is ready.
    const warm = d.spec.listens ? this.pool?.take() : undefined;
    const port = warm?.port ?? (d.spec.listens ? await freePort(this.host) : null);
    const r = this.newReplica(w, index, port, d.specHash, d, 0, warm);
    place(r);
    this.emit({
      key: w.key,
      type: "Normal",
      reason: "Scheduled",
      message:
        port === null
          ? "Scheduled on the local runtime"
          : this.sandboxed()
            ? `Assigned port ${port} in its sandbox`
            : `Assigned port ${port} on ${this.host}`,
      object: `pod/${w.name}-${index}`,
      at: this.clock.now(),
    });
    r.start();
    return r;
  }

  private async recreateReplica(w: Workload, old: Replica, d: DesiredWorkload): Promise<Replica> {
    await old.stop(this.opts.stopGraceMs ?? 10_000);
    return this.startReplica(w, old.index, d, (r) => {
      w.replicas[old.index] = r;
    });
  }

  /**
   * Starts the new replica beside the old and waits for it to be ready, then stops the old one.
   * A new replica that is not ready by the rollout timeout is stopped instead: the old one keeps
   * serving, the failure is recorded on the workload (`failedRollout`) and as a Warning event, and
   * undefined is returned.
   */
  private async rollReplica(w: Workload, old: Replica, d: DesiredWorkload): Promise<Replica | undefined> {
    const next = await this.startReplica(w, old.index, d, (r) => w.surge.push(r));
    const timeoutMs = this.opts.rolloutTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    while (next.phase !== "ready" && next.phase !== "failed" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    w.surge = w.surge.filter((r) => r !== next);
    const grace = this.opts.stopGraceMs ?? 10_000;
    if (next.phase !== "ready") {
      const exit = next.lastExit ? `; it exited with ${next.lastExit.code ?? next.lastExit.signal}` : "";
      const reason = `the new replica ${old.index} was not ready within ${Math.round(timeoutMs / 1000)}s (${next.phase}, ${next.restarts} restarts${exit})`;
      await next.stop(grace);
      w.failedRollout = { specHash: d.specHash, reason };
      this.emit({
        key: w.key,
        type: "Warning",
        reason: "RolloutFailed",
        message: `rollout failed: ${reason}; the previous replica keeps serving`,
        object: `pod/${w.name}-${old.index}`,
        at: this.clock.now(),
      });
      for (const l of this.changeListeners) l(w.key);
      return undefined;
    }
    w.replicas[old.index] = next;
    await old.stop(grace);
    return next;
  }

  remove(key: string): Promise<void> {
    return this.serialized.run(key, async () => {
      const w = this.workloads.get(key);
      if (!w) return;
      const grace = this.opts.stopGraceMs ?? 10_000;
      await Promise.all([...w.replicas, ...w.surge].map((r) => r.stop(grace)));
      this.workloads.delete(key);
      await fsp.rm(this.stateFile(key), { force: true });
      for (const l of this.changeListeners) l(key);
    });
  }

  status(key: string): WorkloadStatus | undefined {
    const w = this.workloads.get(key);
    if (!w) return undefined;
    const hash = w.desired?.specHash ?? w.replicas[0]?.specHash ?? "";
    return {
      key,
      desiredReplicas: w.desired?.replicas ?? w.replicas.length,
      readyReplicas: w.replicas.filter((r) => r.phase === "ready").length,
      specHash: hash,
      replicas: w.replicas.map((r) => r.status()),
      ...(w.failedRollout ? { failedRollout: w.failedRollout } : {}),
    };
  }

  keys(): string[] {
    return [...this.workloads.keys()];
  }

  endpoints(key: string): Endpoint[] {
    const w = this.workloads.get(key);
    if (!w) return [];
    return [...w.replicas, ...w.surge].flatMap((r) => {
      const host = r.address;
      return r.phase === "ready" && r.port !== null && host !== undefined ? [{ host, port: r.port }] : [];
    });
  }

  private replicaIndexes(key: string, replica?: number): number[] {
    const w = this.workloads.get(key);
    if (replica !== undefined) return [replica];
    const count = w ? Math.max(w.replicas.length, 1) : 1;
    return Array.from({ length: count }, (_, i) => i);
  }

  readLogs(key: string, q: LogQuery): Promise<string> {
    return this.logs.tail(key, this.replicaIndexes(key, q.replica), q.tail);
  }

  followLogs(key: string, q: { replica?: number; signal: AbortSignal }): AsyncIterable<string> {
    return this.logs.follow(key, () => this.replicaIndexes(key, q.replica), q.signal);
  }

  async metrics(key: string): Promise<WorkloadMetrics | undefined> {
    const w = this.workloads.get(key);
    if (!w) return undefined;
    const sources = w.replicas.flatMap((r) => (r.pid === null ? [] : [this.usageSource(r)]));
    if (sources.some((s) => !this.cpuSamples.has(s.id))) {
      for (const s of sources) this.sampleCpu(s.id, s.read()?.cpuSeconds);
      await new Promise((r) => setTimeout(r, 100));
    }
    let millicores = 0;
    let memory = 0;
    for (const s of sources) {
      const usage = s.read();
      millicores += this.sampleCpu(s.id, usage?.cpuSeconds);
      memory += usage?.memoryBytes ?? 0;
    }
    return { cpuMillicores: Math.round(millicores), memoryBytes: memory, at: this.clock.now() };
  }

  /** Where a replica's usage is read: its sandbox's cgroup, or /proc for an unsandboxed process. */
  private usageSource(r: Replica): {
    id: string;
    read(): { cpuSeconds: number; memoryBytes: number } | undefined;
  } {
    const layout = cgroupLayout();
    if (this.sandboxed() && layout && r.instance) {
      const id = sandboxIdOf(r.instance);
      return { id, read: () => cgroupUsage(layout, id) };
    }
    const pid = r.pid!;
    return {
      id: String(pid),
      read: () => {
        const cpu = cpuSeconds(pid);
        return cpu === undefined ? undefined : { cpuSeconds: cpu, memoryBytes: rssBytes(pid) ?? 0 };
      },
    };
  }

  /** CPU use since the previous sample of this source, in millicores. */
  private sampleCpu(id: string, seconds: number | undefined): number {
    const at = performance.now();
    const prev = this.cpuSamples.get(id);
    if (seconds === undefined) {
      this.cpuSamples.delete(id);
      return 0;
    }
    this.cpuSamples.set(id, { seconds, at });
    if (!prev || at <= prev.at) return 0;
    return ((seconds - prev.seconds) / ((at - prev.at) / 1000)) * 1000;
  }

  capabilities(): RuntimeCapabilities {
    return {
      runtime: this.name,
      ...this.isolation(),
      backupDrivers: ["volumeSnapshot", "restic", "objectArchive"],
      images: Object.keys(this.opts.images ?? {}).sort(),
      unsupported: [],
    };
  }

  startSession(request: SessionRequest): RunningSession {
    const { clientCommands, missing } = this.isolation();
    if (request.clientCommand && !clientCommands)
      return refusedSession(
        `the agent's command cannot run: the sandbox needs ${missing.join(", ")}, missing on this host`,
      );
    return startLocalSession(this.opts.dataDir, request, this.sandboxHost());
  }

  async deleteSessionState(scope: string): Promise<void> {
    await fsp.rm(sessionScopeDir(this.opts.dataDir, scope), { recursive: true, force: true });
  }

  /** Where a workload's volume lives on this machine (its BERTH_VOLUME_DIR); local runtime only. */
  volumePath(namespace: string, workload: string): string {
    return this.volumes.path({ namespace, workload });
  }

  /** SIGSTOPs every process using the volume (a point in time); the returned function thaws them. */
  private async freeze(volume: VolumeRef): Promise<() => void> {
    const pids = [...this.workloads.values()]
      .filter((w) => w.namespace === volume.namespace && w.name === volume.workload)
      .flatMap((w) => [...w.replicas, ...w.surge])
      .map((r) => r.pid)
      .filter((p): p is number => p !== null);
    for (const pid of pids) signalGroup(pid, "SIGSTOP");
    return () => {
      for (const pid of pids) signalGroup(pid, "SIGCONT");
    };
  }

  resolveImage(image: string): ImageCommand | undefined {
    const images = this.opts.images ?? {};
    if (Object.hasOwn(images, image)) return images[image];
    const untagged = image.replace(/:[^/:@]+$/, "");
    return Object.hasOwn(images, untagged) ? images[untagged] : undefined;
  }

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onChange(listener: (key: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.rotationTimer) clearInterval(this.rotationTimer);
    await this.pool?.close();
    await this.serialized.idle();
    for (const w of this.workloads.values()) {
      for (const r of [...w.replicas, ...w.surge]) r.close();
      await this.persist(w);
    }
    this.eventListeners.clear();
    this.changeListeners.clear();
  }

  private stateFile(key: string): string {
    return path.join(this.stateDir, `${safeKey(key)}.json`);
  }

  private async persist(w: Workload): Promise<void> {
    if (!this.workloads.has(w.key)) return;
    const state: PersistedWorkload = {
      key: w.key,
      namespace: w.namespace,
      name: w.name,
      specHash: w.desired?.specHash ?? "",
      replicas: [...w.replicas, ...w.surge].map((r) => r.persisted()),
    };
    const json = JSON.stringify(state);
    // A replica's phase is not part of it: its readiness (on the wake path) writes nothing.
    if (json === w.written) return;
    const file = this.stateFile(w.key);
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.mkdirSync(this.stateDir, { recursive: true });
    fs.writeFileSync(tmp, json);
    fs.renameSync(tmp, file);
    w.written = json;
  }

  private async rotateLogs(): Promise<void> {
    for (const w of this.workloads.values()) {
      for (const r of w.replicas) await this.logs.truncateIfLarge(w.key, r.index);
    }
  }
}

export async function createLocalDriver(opts: LocalDriverOptions): Promise<LocalDriver> {
  const driver = new LocalDriver(opts);
  await driver.start();
  return driver;
}
