/**
 * The container runtime: each workload replica is an OCI container run by a Docker Engine API
 * (Docker Engine, or Podman's `podman system service`) reached through dockerode over DOCKER_HOST.
 *
 * Per replica: pull the image (progress as events; a failed pull is a `failed` replica whose reason
 * is the pull error, retried with back-off), create and start a container with the workload's env,
 * its containerPort published on 127.0.0.1 (a random host port the ingress forwards to), the berth
 * volume directory bind-mounted at mountPath, resources as Memory/NanoCpus/PidsLimit, never
 * privileged, never on the host network, labelled berth.deployment / berth.workload / berth.replica
 * / berth.spec-hash. Supervision is berth's own: the engine gets no restart policy; an exited
 * container (an OOM kill included) is removed and replaced after back-off, so events and restart
 * counts stay true. After a control-plane restart, running containers are re-adopted by their labels
 * (duplicates and exited ones removed); the reconciler removes those of deleted deployments.
 *
 * Logs are copied from the engine's log stream into the same rotated per-replica files as the
 * local runtime's, so tail and follow behave alike and survive container replacement.
 */
import { SerialByKey } from "../../util/serial-by-key.js";
import { VolumeVerbs } from "../volume-verbs.js";
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import Docker from "dockerode";
import {
  type DesiredWorkload,
  type Endpoint,
  type ImageCommand,
  type LogQuery,
  type ReplicaPhase,
  type RunningSession,
  type RuntimeCapabilities,
  type RuntimeDriver,
  type RuntimeEvent,
  type SessionRequest,
  UnsupportedVerb,
  type VolumeRef,
  type WorkloadMetrics,
  type WorkloadStatus,
} from "../driver.js";
import { processEnv } from "../local/env-expand.js";
import { LogFiles, safeKey } from "../local/logs.js";
import { LocalVolumes } from "../local/volumes.js";
import { parseImageRef, pullReference, registryOf } from "./image-ref.js";
import { cpuNanos, memoryBytes, pidsLimit } from "./resources.js";
import { PrivateImages, type RegistryAuth, type RegistryAuthLookup, scrubbed } from "./registry-auth.js";
import { hardening, ownVolumeFor, runAs } from "./run-as.js";

export interface ContainerDriverOptions {
  dataDir: string;
  /** e.g. unix:///run/podman/podman.sock, tcp://127.0.0.1:2375; defaults to the engine's socket. */
  dockerHost?: string;
  /** Rewrites Docker Hub references to this registry (host[:port][/path]). */
  registryMirror?: string;
  logger: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  backoff?: { initialMs: number; maxMs: number };
  stopGraceMs?: number;
  probeIntervalMs?: number;
  logMaxBytes?: number;
  /** How long a rolling replacement waits for the new replica to be ready. */
  rolloutTimeoutMs?: number;
  /** Registry logins of the workload's team (none: every pull is anonymous). */
  registryAuth?: RegistryAuthLookup;
}

const LABEL = "berth.managed";
/** The images of the official templates (any valid reference runs; these are the ones named). */
const CATALOGUE = ["nginx:latest", "postgres:16"];
const DEFAULT_PORT = 8080;

interface Replica {
  index: number;
  specHash: string;
  containerId: string | null;
  pid: number | null;
  port: number | null;
  phase: ReplicaPhase;
  restarts: number;
  startedAt: string | null;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  reason?: string;
  /** When a replica in back-off (or failed) tries again. */
  retryAt: number;
  logStream?: NodeJS.ReadableStream;
}

interface Workload {
  key: string;
  namespace: string;
  name: string;
  desired: DesiredWorkload | undefined;
  replicas: Replica[];
}

export class ContainerDriver extends VolumeVerbs implements RuntimeDriver {
  readonly name = "container" as const;
  readonly docker: Docker;
  private readonly workloads = new Map<string, Workload>();
  private readonly serialized = new SerialByKey();
  private readonly eventListeners = new Set<(e: RuntimeEvent) => void>();
  private readonly changeListeners = new Set<(key: string) => void>();
  private readonly logs: LogFiles;
  protected readonly volumes: LocalVolumes;
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private closed = false;
  /** References pulled with a login: every later start pulls again, so the registry decides who may run them. */
  private readonly privateImages: PrivateImages;

  constructor(private readonly opts: ContainerDriverOptions) {
    super();
    this.docker = new Docker(dockerConnection(opts.dockerHost));
    this.logs = new LogFiles(path.join(opts.dataDir, "logs"), opts.logMaxBytes ?? 10 * 1024 * 1024);
    this.volumes = new LocalVolumes(opts.dataDir, (v) => this.freeze(v));
    this.privateImages = new PrivateImages(path.join(opts.dataDir, "private-images.json"));
  }

  /** Checks the engine answers, re-adopts labelled containers and starts supervising. */
  async init(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw new Error(
        `container runtime: no container engine answers at ${this.opts.dockerHost ?? "the default socket"}: ${(err as Error).message}`,
      );
    }
    await this.adopt();
    this.timer = setInterval(() => void this.tick(), this.opts.probeIntervalMs ?? 1_000);
    this.timer.unref();
  }

  private async adopt(): Promise<void> {
    const found = await this.docker.listContainers({ all: true, filters: { label: [LABEL] } });
    for (const c of found) {
      const key = c.Labels["berth.workload"];
      const index = Number(c.Labels["berth.replica"]);
      const ns = c.Labels["berth.namespace"];
      const name = c.Labels["berth.name"];
      if (!key || !ns || !name || !Number.isInteger(index)) continue;
      const w = this.workload(key, ns, name);
      const hostPort = c.Ports.find((p) => p.PublicPort)?.PublicPort ?? null;
      if (c.State !== "running" || w.replicas[index]) {
        await this.removeContainer(c.Id, 0);
        continue;
      }
      const info = await this.docker.getContainer(c.Id).inspect();
      const r: Replica = {
        index,
        specHash: c.Labels["berth.spec-hash"] ?? "",
        containerId: c.Id,
        pid: info.State.Pid || null,
        port: hostPort,
        phase: "starting",
        restarts: 0,
        startedAt: info.State.StartedAt,
        lastExit: null,
        retryAt: 0,
      };
      w.replicas[index] = r;
      this.followContainerLogs(key, r, Math.floor(Date.now() / 1000));
      this.emit(key, index, "Normal", "Adopted", `re-adopted container ${c.Id.slice(0, 12)}`);
    }
    for (const w of this.workloads.values()) w.replicas = w.replicas.filter(Boolean);
  }

  private workload(key: string, namespace: string, name: string): Workload {
    let w = this.workloads.get(key);
    if (!w) {
      w = { key, namespace, name, desired: undefined, replicas: [] };
      this.workloads.set(key, w);
    }
    return w;
  }

  apply(d: DesiredWorkload): Promise<void> {
    return this.serialized.run(d.key, async () => {
      const w = this.workload(d.key, d.namespace, d.name);
      w.desired = d;
      await fsp.mkdir(this.volumePath(d.namespace, d.name), { recursive: true });
      const grace = this.opts.stopGraceMs ?? 10_000;
      while (w.replicas.length > d.replicas) await this.stopReplica(w, w.replicas.pop()!, grace);
      for (let i = 0; i < d.replicas; i++) {
        const current = w.replicas[i];
        if (current && current.specHash === d.specHash) continue;
        if (current && d.strategy === "recreate") await this.stopReplica(w, current, grace);
        const next = this.newReplica(i, d.specHash);
        if (!current || d.strategy === "recreate") w.replicas[i] = next;
        await this.startReplica(w, next);
        if (current && d.strategy === "rolling") {
          await this.waitReady(w.key, next, this.opts.rolloutTimeoutMs ?? 120_000);
          w.replicas[i] = next;
          await this.stopReplica(w, current, grace);
        }
      }
      this.changed(d.key);
    });
  }

  private newReplica(index: number, specHash: string): Replica {
    return {
      index,
      specHash,
      containerId: null,
      pid: null,
      port: null,
      phase: "starting",
      restarts: 0,
      startedAt: null,
      lastExit: null,
      retryAt: 0,
    };
  }

  private async waitReady(key: string, r: Replica, ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end && !this.closed) {
      if (r.phase === "ready" || r.phase === "failed") return;
      if (r.phase === "starting" && r.port !== null && (await this.probe(key, r))) {
        this.markReady(key, r);
        return;
      }
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  /** Pulls (when missing), creates and starts the replica's container; failures set its phase. */
  private async startReplica(w: Workload, r: Replica): Promise<void> {
    const d = w.desired!;
    const image = d.spec.image ?? "";
    const object = this.object(w.key, r.index);
    r.phase = "starting";
    r.reason = undefined;
    this.emit(w.key, r.index, "Normal", "Scheduled", `assigned ${object} to the container engine`);
    let ref: string;
    let imageUser: string | undefined;
    try {
      ref = pullReference(image, this.opts.registryMirror);
      imageUser = await this.ensureImage(w, r.index, ref);
    } catch (err) {
      this.fail(w.key, r, `image ${image} could not be pulled: ${oneLine((err as Error).message)}`);
      return;
    }
    const as = runAs(image, imageUser);
    const containerPort = d.spec.port ?? DEFAULT_PORT;
    const mountPath = d.spec.mountPath ?? "/data";
    const { env, args } = processEnv({
      provided: { PORT: String(containerPort), BERTH_VOLUME_DIR: mountPath, BERTH_REPLICA: String(r.index) },
      values: d.spec.values ?? {},
      authorEnv: d.spec.env,
      authorArgs: d.spec.args,
    });
    const [deploymentId] = w.key.split("/");
    try {
      await ownVolumeFor(this.volumePath(w.namespace, w.name), as.owner);
      const container = await this.docker.createContainer({
        name: `berth-${safeKey(w.namespace)}-${safeKey(w.name)}-${r.index}-${Date.now().toString(36)}`,
        Image: ref,
        // Kubernetes' meaning: command replaces the image's ENTRYPOINT, args its CMD
        ...(d.spec.command !== "" ? { Entrypoint: [d.spec.command] } : {}),
        ...(args.length > 0 || d.spec.command !== "" ? { Cmd: args } : {}),
        ...(as.user !== undefined ? { User: as.user } : {}),
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: {
          [LABEL]: "true",
          "berth.deployment": deploymentId ?? "",
          "berth.workload": w.key,
          "berth.namespace": w.namespace,
          "berth.name": w.name,
          "berth.replica": String(r.index),
          "berth.spec-hash": r.specHash,
        },
        ExposedPorts: { [`${containerPort}/tcp`]: {} },
        HostConfig: {
          PortBindings: { [`${containerPort}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: "" }] },
          Binds: [`${this.volumePath(w.namespace, w.name)}:${mountPath}`],
          ...hardening(as.capAdd),
          ...(d.spec.resources?.memory ? { Memory: memoryBytes(d.spec.resources.memory) } : {}),
          ...(d.spec.resources?.cpu ? { NanoCpus: cpuNanos(d.spec.resources.cpu) } : {}),
          PidsLimit: d.spec.pids ?? pidsLimit,
          RestartPolicy: { Name: "no" },
        },
      });
      r.containerId = container.id;
      this.emit(w.key, r.index, "Normal", "Created", `created container ${container.id.slice(0, 12)}`);
      await container.start();
      const info = await container.inspect();
      const bound = info.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.[0]?.HostPort;
      r.port = bound ? Number(bound) : null;
      r.pid = info.State.Pid || null;
      r.startedAt = info.State.StartedAt;
      this.followContainerLogs(w.key, r, 0);
      this.emit(
        w.key,
        r.index,
        "Normal",
        "Started",
        `started container ${container.id.slice(0, 12)} on ${object}`,
      );
      // probe right away instead of at the next supervision pass (wake latency)
      void this.waitReady(w.key, r, 30_000);
    } catch (err) {
      if (r.containerId) await this.removeContainer(r.containerId, 0);
      r.containerId = null;
      this.fail(w.key, r, `container could not start: ${oneLine((err as Error).message)}`);
    }
  }

  /** Pulls `ref` unless the engine has it; returns the image's USER. */
  private async ensureImage(w: Workload, index: number, ref: string): Promise<string | undefined> {
    const key = w.key;
    const present = await this.docker
      .getImage(ref)
      .inspect()
      .catch(() => undefined);
    if (present && !this.opts.registryAuth) return present.Config?.User;
    const registry = registryOf(ref);
    const auth = await this.opts.registryAuth?.(w.namespace, registry);
    // an image pulled with a login is re-checked against the registry: another team's pull must not serve it
    if (present && !auth && !this.privateImages.has(ref)) return present.Config?.User;
    this.emit(key, index, "Normal", "Pulling", `pulling image ${ref}`);
    // marked before the pull: a crash after it must not leave the image free for every team
    if (auth) this.privateImages.add(ref);
    try {
      return await this.pull(key, index, ref, registry, auth);
    } catch (err) {
      throw scrubbed(err, auth);
    }
  }

  private async pull(
    key: string,
    index: number,
    ref: string,
    registry: string,
    auth: RegistryAuth | undefined,
  ): Promise<string | undefined> {
    const started = Date.now();
    const stream = await this.docker.pull(
      ref,
      auth
        ? { authconfig: { username: auth.username, password: auth.password, serveraddress: registry } }
        : {},
    );
    const seen = new Set<string>();
    await new Promise<void>((resolve, reject) => {
      // the engine reports a refused pull inside the progress stream, which still ends cleanly
      let refused: string | undefined;
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : refused ? reject(new Error(refused)) : resolve()),
        (p: { status?: string; id?: string; error?: string }) => {
          if (p.error) {
            refused ??= p.error;
            return;
          }
          const status = p.status ? `${p.status}${p.id ? ` ${p.id}` : ""}` : undefined;
          if (status && !seen.has(status) && seen.size < 20) {
            seen.add(status);
            this.emit(key, index, "Normal", "Pulling", status);
          }
        },
      );
    });
    const pulled = await this.docker.getImage(ref).inspect();
    this.emit(key, index, "Normal", "Pulled", `pulled image ${ref} in ${Date.now() - started} ms`);
    return pulled.Config?.User;
  }

  private fail(key: string, r: Replica, reason: string): void {
    r.phase = "failed";
    r.reason = reason;
    r.restarts++;
    r.retryAt = Date.now() + this.backoffMs(r.restarts);
    this.emit(key, r.index, "Warning", "Failed", reason);
    this.changed(key);
  }

  private backoffMs(restarts: number): number {
    const b = this.opts.backoff ?? { initialMs: 1_000, maxMs: 300_000 };
    return Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, restarts - 1));
  }

  private followContainerLogs(key: string, r: Replica, since: number): void {
    if (!r.containerId) return;
    const id = r.containerId;
    const container = this.docker.getContainer(id);
    void container
      .logs({ follow: true, stdout: true, stderr: true, since })
      .then((stream) => {
        if (r.containerId !== id) {
          (stream as unknown as { destroy(): void }).destroy();
          return;
        }
        const fd = this.logs.open(key, r.index);
        const out = fs.createWriteStream("", { fd, autoClose: true });
        r.logStream = stream;
        container.modem.demuxStream(stream, out, out);
        stream.on("end", () => out.end());
        stream.on("error", () => out.end());
      })
      .catch(() => undefined);
  }

  /** One supervision pass: probes starting replicas, notices exits, retries after back-off. */
  private async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      for (const w of [...this.workloads.values()]) {
        if (!w.desired) continue;
        await this.serialized
          .run(w.key, () => this.supervise(w))
          .catch((err) => this.opts.logger.warn({ err, key: w.key }, "container supervision failed"));
      }
    } finally {
      this.ticking = false;
    }
  }

  private async supervise(w: Workload): Promise<void> {
    for (const r of w.replicas) {
      if (r.phase === "failed" || r.phase === "backoff") {
        if (Date.now() >= r.retryAt) await this.startReplica(w, r);
        continue;
      }
      if (!r.containerId) continue;
      const info = await this.docker
        .getContainer(r.containerId)
        .inspect()
        .catch(() => undefined);
      if (!info?.State.Running) {
        const code = info?.State.ExitCode ?? null;
        r.lastExit = { code, signal: null, at: new Date().toISOString() };
        const limit = w.desired?.spec.resources?.memory;
        if (info?.State.OOMKilled) {
          this.emit(w.key, r.index, "Warning", "OOMKilled", `container exceeded its memory limit (${limit})`);
        } else if (code === 137 && limit) {
          // Podman on cgroup v1 does not report OOMKilled: a SIGKILL berth did not send, under a limit
          this.emit(
            w.key,
            r.index,
            "Warning",
            "Killed",
            `container was killed (exit 137); its memory limit is ${limit}`,
          );
        }
        await this.removeContainer(r.containerId, 0);
        r.containerId = null;
        r.pid = null;
        r.port = null;
        r.restarts++;
        r.phase = "backoff";
        const wait = this.backoffMs(r.restarts);
        r.retryAt = Date.now() + wait;
        this.emit(
          w.key,
          r.index,
          "Warning",
          "BackOff",
          `container exited with ${code}; restarting in ${wait} ms`,
        );
        this.changed(w.key);
        continue;
      }
      const ok = await this.probe(w.key, r);
      if (ok && r.phase !== "ready") this.markReady(w.key, r);
      else if (!ok && r.phase === "ready") {
        r.phase = "unready";
        this.emit(w.key, r.index, "Warning", "Unhealthy", "health check failed");
        this.changed(w.key);
      }
    }
  }

  private markReady(key: string, r: Replica): void {
    if (r.phase === "ready") return;
    r.phase = "ready";
    this.emit(key, r.index, "Normal", "Ready", "replica is ready");
    this.changed(key);
  }

  private probe(key: string, r: Replica): Promise<boolean> {
    const health = this.workloads.get(key)?.desired?.spec.healthCheck;
    if (r.port === null) return Promise.resolve(false);
    const port = r.port;
    if (health?.type === "http") {
      return new Promise((resolve) => {
        const req = http.get({ host: "127.0.0.1", port, path: health.path, timeout: 2_000 }, (res) => {
          res.resume();
          resolve((res.statusCode ?? 500) < 500);
        });
        req.on("error", () => resolve(false));
        req.on("timeout", () => req.destroy());
      });
    }
    return new Promise((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.setTimeout(2_000, () => s.destroy());
      s.on("error", () => resolve(false));
      s.on("close", () => resolve(false));
    });
  }

  private async stopReplica(w: Workload, r: Replica, graceMs: number): Promise<void> {
    r.phase = "stopping";
    if (r.containerId) {
      this.emit(w.key, r.index, "Normal", "Killing", `stopping container ${r.containerId.slice(0, 12)}`);
      await this.removeContainer(r.containerId, graceMs);
    }
    r.containerId = null;
    r.pid = null;
    r.port = null;
  }

  private async removeContainer(id: string, graceMs: number): Promise<void> {
    const c = this.docker.getContainer(id);
    await c.stop({ t: Math.ceil(graceMs / 1000) }).catch(() => undefined);
    await c.remove({ force: true, v: false }).catch(() => undefined);
  }

  remove(key: string): Promise<void> {
    return this.serialized.run(key, async () => {
      const w = this.workloads.get(key);
      const grace = this.opts.stopGraceMs ?? 10_000;
      if (w) await Promise.all(w.replicas.map((r) => this.stopReplica(w, r, grace)));
      // containers this driver never knew about (a crash between create and record) go too
      const left = await this.docker
        .listContainers({ all: true, filters: { label: [`berth.workload=${key}`] } })
        .catch(() => []);
      for (const c of left) await this.removeContainer(c.Id, 0);
      this.workloads.delete(key);
      this.changed(key);
    });
  }

  status(key: string): WorkloadStatus | undefined {
    const w = this.workloads.get(key);
    if (!w) return undefined;
    const replicas = w.replicas.map((r) => ({
      index: r.index,
      pid: r.pid,
      port: r.port,
      phase: r.phase,
      restarts: r.restarts,
      startedAt: r.startedAt,
      specHash: r.specHash,
      lastExit: r.lastExit,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    }));
    return {
      key,
      desiredReplicas: w.desired?.replicas ?? w.replicas.length,
      readyReplicas: replicas.filter((r) => r.phase === "ready").length,
      specHash: w.desired?.specHash ?? w.replicas[0]?.specHash ?? "",
      replicas,
    };
  }

  keys(): string[] {
    return [...this.workloads.keys()];
  }

  endpoints(key: string): Endpoint[] {
    return (this.workloads.get(key)?.replicas ?? [])
      .filter((r) => r.phase === "ready" && r.port !== null)
      .map((r) => ({ host: "127.0.0.1", port: r.port! }));
  }

  private replicaIndexes(key: string, replica?: number): number[] {
    if (replica !== undefined) return [replica];
    return (this.workloads.get(key)?.replicas ?? []).map((r) => r.index);
  }

  readLogs(key: string, q: LogQuery): Promise<string> {
    return this.logs.tail(key, this.replicaIndexes(key, q.replica), q.tail);
  }

  followLogs(key: string, q: { replica?: number; signal: AbortSignal }): AsyncIterable<string> {
    return this.logs.follow(key, () => this.replicaIndexes(key, q.replica), q.signal);
  }

  /** CPU (millicores over the engine's last sampling interval) and memory, summed over replicas. */
  async metrics(key: string): Promise<WorkloadMetrics | undefined> {
    const w = this.workloads.get(key);
    if (!w) return undefined;
    let millicores = 0;
    let memory = 0;
    for (const r of w.replicas) {
      if (!r.containerId) continue;
      const s = await this.docker
        .getContainer(r.containerId)
        .stats({ stream: false })
        .catch(() => undefined);
      if (!s) continue;
      const cpu = s.cpu_stats.cpu_usage.total_usage - (s.precpu_stats.cpu_usage?.total_usage ?? 0);
      const sys = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
      const cpus = s.cpu_stats.online_cpus || 1;
      if (cpu > 0 && sys > 0) millicores += Math.round((cpu / sys) * cpus * 1000);
      memory += s.memory_stats.usage ?? 0;
    }
    return { cpuMillicores: millicores, memoryBytes: memory, at: new Date() };
  }

  /** Where a workload's volume lives on this machine (bind-mounted into its containers). */
  volumePath(namespace: string, workload: string): string {
    return this.volumes.path({ namespace, workload });
  }

  capabilities(): RuntimeCapabilities {
    return {
      runtime: this.name,
      isolation: "container",
      missing: [],
      clientCommands: true,
      backupDrivers: ["volumeSnapshot", "restic", "objectArchive"],
      images: [...CATALOGUE],
      unsupported: ["startSession", "deleteSessionState"],
    };
  }

  /** Scheduled sessions run on the local runtime (the mixed driver sends them there). */
  startSession(_request: SessionRequest): RunningSession {
    throw new UnsupportedVerb("startSession", this.name);
  }

  /** Sessions run on the local runtime, which keeps their state. */
  async deleteSessionState(_scope: string): Promise<void> {
    throw new UnsupportedVerb("deleteSessionState", this.name);
  }

  /** Whether a workload of this driver uses `volume` (the mixed driver sends volume verbs here then). */
  uses(volume: VolumeRef): boolean {
    return [...this.workloads.values()].some(
      (w) => w.namespace === volume.namespace && w.name === volume.workload,
    );
  }

  /** Pauses the volume's containers (the engine's freezer); the returned function unpauses them. */
  private async freeze(volume: VolumeRef): Promise<() => void> {
    const ids = [...this.workloads.values()]
      .filter((w) => w.namespace === volume.namespace && w.name === volume.workload)
      .flatMap((w) => w.replicas)
      .map((r) => r.containerId)
      .filter((id): id is string => id !== null);
    const paused: string[] = [];
    for (const id of ids) {
      if (
        await this.docker
          .getContainer(id)
          .pause()
          .then(
            () => true,
            () => false,
          )
      )
        paused.push(id);
    }
    return () => {
      for (const id of paused)
        void this.docker
          .getContainer(id)
          .unpause()
          .catch(() => undefined);
    };
  }

  /** Any valid image reference runs as a container; the engine decides whether it can be pulled. */
  resolveImage(image: string): ImageCommand | undefined {
    if (!parseImageRef(image)) return undefined;
    return { command: "", args: [], defaultPort: DEFAULT_PORT, healthCheck: { type: "tcp" } };
  }

  /** Containers reach berth through their published ports' host, not a port berth hands them. */
  setApiPort(_port: number): void {}

  onEvent(listener: (event: RuntimeEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onChange(listener: (key: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const w of this.workloads.values())
      for (const r of w.replicas) (r.logStream as unknown as { destroy?(): void } | undefined)?.destroy?.();
  }

  private object(key: string, index: number): string {
    return `pod/${key.split("/")[1] ?? key}-${index}`;
  }

  private emit(
    key: string,
    index: number,
    type: RuntimeEvent["type"],
    reason: string,
    message: string,
  ): void {
    const event: RuntimeEvent = {
      key,
      type,
      reason,
      message,
      object: this.object(key, index),
      at: new Date(),
    };
    for (const l of this.eventListeners) l(event);
  }

  private changed(key: string): void {
    for (const l of this.changeListeners) l(key);
  }
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, " ").trim().slice(0, 500);
}

/** dockerode connection options from a DOCKER_HOST value (unix://, tcp://, http://). */
export function dockerConnection(dockerHost: string | undefined): Docker.DockerOptions {
  if (!dockerHost) return {};
  const u = new URL(dockerHost);
  if (u.protocol === "unix:") return { socketPath: u.pathname };
  return {
    host: u.hostname,
    port: Number(u.port || 2375),
    protocol: u.protocol === "https:" ? "https" : "http",
  };
}

export async function createContainerDriver(opts: ContainerDriverOptions): Promise<ContainerDriver> {
  const d = new ContainerDriver(opts);
  await d.init();
  return d;
}
