/**
 * One replica: a detached child process in its own process group, its readiness probe, and its
 * crash-restart back-off. A replica adopted from an earlier control plane is not our child, so
 * its exit is noticed by polling /proc. Invariant: at most one live process per Replica object.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import type { HealthCheck, ReplicaPhase, ReplicaStatus, ResolvedWorkloadSpec } from "../driver.js";
import { processEnv } from "./env-expand.js";
import {
  firstChild,
  inOtherNetns,
  isSameProcess,
  listensInNamespace,
  processStartTime,
  signalGroup,
  spawnFailure,
} from "./proc.js";
import { discardWarm, type WarmNetwork } from "./network-pool.js";
import {
  limitsOf,
  launcherWaits,
  releaseSandbox,
  sandboxIdOf,
  sandboxOomKilled,
  signalSandbox,
} from "./sandbox.js";
import { sandboxAddress } from "./sandbox-network.js";
import { launchSandboxedTenant, spawnTenant, type TenantSandbox } from "./spawn.js";

export interface ReplicaContext {
  host: string;
  volumeDir: string;
  openLog(): number;
  /** The file `openLog` opens (for a launcher made ahead, which opens it itself). */
  logFile(): string;
  backoff: { initialMs: number; maxMs: number; resetAfterMs: number };
  probeIntervalMs: number;
  now(): Date;
  event(type: "Normal" | "Warning", reason: string, message: string): void;
  changed(): void;
  /** Writes the workload's state now (synchronously). */
  persist(): void;
  /** Set when replicas run sandboxed (sandbox.ts); unset only with BERTH_ISOLATION=none. */
  sandbox?: TenantSandbox & { pids: number };
}

export interface PersistedReplica {
  index: number;
  /** Marker in the process's env (BERTH_INSTANCE), written before the spawn: a control plane killed
   * between spawn and recording the pid finds the process by it. */
  instance?: string | null;
  pid: number | null;
  startTime: string | null;
  port: number | null;
  specHash: string;
  restarts: number;
}

const FAST_PROBE_MS = 10;
/** A starting sandboxed replica's first second is probed this often, so a wake sees it ready sooner. */
const SANDBOX_LISTEN_POLL_MS = 2;
const SANDBOX_LISTEN_POLL_FOR_MS = 1_000;
/**
 * Reading a namespace's /proc/<pid>/net/tcp walks the kernel's TCP hash of the whole host: 6 ms
 * each (tcp and tcp6) with 14,600 host sockets, measured here. Polled every 2 ms, it took berth's
 * event loop and most of a core (2.6 s of CPU over 20 wakes), slowing the very start it waited on.
 */
const TABLE_COST_FACTOR = 5;
/** Where a sandboxed replica sees its volume when its spec names no mount path. */
export const DEFAULT_MOUNT = "/data";
const FAILURES_TO_UNREADY = 3;
const EXIT_POLL_MS = 250;

/** Locale and time zone of the control plane, which a spec or a user value may override; nothing else of its env leaks in. */
function defaultEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ["LANG", "LC_ALL", "TZ"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return env;
}

export class Replica {
  pid: number | null = null;
  startTime: string | null = null;
  phase: ReplicaPhase = "starting";
  restarts: number;
  startedAt: Date | null = null;
  lastExit: ReplicaStatus["lastExit"] = null;
  private child: ChildProcess | undefined;
  private timers = new Set<NodeJS.Timeout>();
  private probeFailures = 0;
  private crashes = 0;
  private stopping: Promise<void> | undefined;
  private exited: (() => void) | undefined;
  private launching: Promise<void> | undefined;
  private closed = false;
  private pendingStart = false;
  instance: string | null = null;
  /** When the current process was attached (performance.now()), for the fast first-second poll. */
  private attachedAt = 0;

  constructor(
    readonly index: number,
    public port: number | null,
    readonly specHash: string,
    private spec: ResolvedWorkloadSpec | undefined,
    private readonly ctx: ReplicaContext,
    restarts = 0,
    /** A network made ahead for this replica's port (network-pool.ts), used by its first start only. */
    private warm?: WarmNetwork,
  ) {
    this.restarts = restarts;
  }

  get object(): string {
    return `pod/${this.index}`;
  }

  /**
   * Where the ingress and the probes reach the replica: its sandbox's address (sandbox-network.ts;
   * undefined until its network is up), or the driver's host for an unsandboxed process.
   */
  get address(): string | undefined {
    const sandbox = this.ctx.sandbox;
    if (!sandbox) return this.ctx.host;
    return this.instance ? sandboxAddress(sandbox.runDir, sandboxIdOf(this.instance)) : undefined;
  }

  status(): ReplicaStatus {
    return {
      index: this.index,
      pid: this.pid,
      port: this.port,
      phase: this.phase,
      restarts: this.restarts,
      startedAt: this.startedAt?.toISOString() ?? null,
      specHash: this.specHash,
      lastExit: this.lastExit,
    };
  }

  persisted(): PersistedReplica {
    return {
      index: this.index,
      instance: this.instance,
      pid: this.pid,
      startTime: this.startTime,
      port: this.port,
      specHash: this.specHash,
      restarts: this.restarts,
    };
  }

  /** Gives a replica adopted without a spec the spec it needs to restart itself later. */
  setSpec(spec: ResolvedWorkloadSpec): void {
    this.spec = spec;
    if (this.pendingStart) this.start();
  }

  start(): void {
    if (this.closed || this.stopping) return;
    this.pendingStart = !this.spec;
    if (!this.spec) return;
    const spec = this.spec;
    const sandbox = this.ctx.sandbox;
    const volumeDir = sandbox ? (spec.mountPath ?? DEFAULT_MOUNT) : this.ctx.volumeDir;
    const provided: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      BERTH_VOLUME_DIR: volumeDir,
      BERTH_REPLICA: String(this.index),
      HOME: volumeDir,
    };
    if (this.port !== null) provided.PORT = String(this.port);
    const { env, args } = processEnv({
      provided,
      defaults: defaultEnv(),
      values: spec.values,
      authorEnv: spec.env,
      authorArgs: spec.args,
    });
    let fd: number;
    try {
      fs.mkdirSync(this.ctx.volumeDir, { recursive: true });
      fd = this.ctx.openLog();
    } catch (err) {
      this.fail(`cannot prepare volume or log: ${(err as Error).message}`);
      return;
    }
    const warm = sandbox ? this.warm : undefined;
    this.warm = undefined;
    this.instance = warm ? warm.instance : randomUUID();
    env.BERTH_INSTANCE = this.instance;
    this.pid = null;
    this.ctx.persist();
    if (sandbox) {
      this.launching = this.startSandboxed(sandbox, spec, args, env, fd, warm).finally(() => {
        this.launching = undefined;
      });
      return;
    }
    let child: ChildProcess;
    try {
      child = spawnTenant({
        command: spec.command,
        args,
        env,
        cwd: this.ctx.volumeDir,
        stdin: "ignore",
        output: fd,
      });
    } catch (err) {
      fs.closeSync(fd);
      this.fail(`cannot start ${spec.command}: ${spawnFailure(err)}`);
      return;
    }
    fs.closeSync(fd);
    child.once("error", (err) => {
      if (child.pid === undefined && !this.stopping)
        this.fail(`cannot start ${spec.command}: ${spawnFailure(err)}`);
    });
    if (child.pid === undefined) return;
    this.attach(child, spec);
  }

  private async startSandboxed(
    sandbox: NonNullable<ReplicaContext["sandbox"]>,
    spec: ResolvedWorkloadSpec,
    args: string[],
    env: Record<string, string>,
    fd: number,
    warm: WarmNetwork | undefined,
  ): Promise<void> {
    const launcher = warm?.launcher && launcherWaits(warm.launcher) ? warm.launcher : undefined;
    let child: ChildProcess;
    try {
      child = await launchSandboxedTenant(
        { command: spec.command, args, env, cwd: this.ctx.volumeDir, stdin: "ignore", output: fd },
        {
          host: sandbox,
          id: sandboxIdOf(this.instance!),
          mountPath: spec.mountPath ?? DEFAULT_MOUNT,
          readOnlyPaths: spec.readOnlyPaths ?? [],
          port: this.port,
          limits: limitsOf(spec.resources, sandbox.pids),
          // A replica's start is on the wake path: its network was made ahead, or comes up while
          // its runtime boots.
          network: warm ? "prepared" : "concurrent",
          launcher: launcher && { child: launcher, outputFile: this.ctx.logFile() },
        },
      );
    } catch (err) {
      this.fail(`cannot start ${spec.command} in its sandbox: ${(err as Error).message}`);
      return;
    } finally {
      fs.closeSync(fd);
    }
    if (this.closed || this.stopping) {
      // Stopped while the sandbox was being built: the new process must not outlive the stop.
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      child.once("exit", () => void releaseSandbox(sandbox, sandboxIdOf(this.instance!)));
      return;
    }
    this.attach(child, spec);
  }

  private attach(child: ChildProcess, spec: ResolvedWorkloadSpec): void {
    if (child.pid === undefined) return;
    this.child = child;
    this.pid = child.pid;
    this.startTime = processStartTime(child.pid) ?? null;
    this.startedAt = this.ctx.now();
    this.phase = "starting";
    this.probeFailures = 0;
    this.attachedAt = performance.now();
    child.unref();
    // The command only: arguments after expansion may hold user-supplied values (secrets).
    this.ctx.event("Normal", "Started", `Started process ${child.pid}: ${spec.command}`);
    this.ctx.changed();
    // A sandboxed program may have ended while its network was still being set up.
    if (child.exitCode !== null || child.signalCode !== null) this.onExit(child.exitCode, child.signalCode);
    else {
      child.once("exit", (code, signal) => this.onExit(code, signal));
      this.probeLoop(FAST_PROBE_MS);
    }
  }

  /** Takes over a process started by an earlier control plane. */
  adopt(pid: number, startTime: string, instance: string | null = null): void {
    this.instance = instance;
    this.pid = pid;
    this.startTime = startTime;
    this.startedAt = this.ctx.now();
    this.phase = "starting";
    this.ctx.event("Normal", "Adopted", `Adopted running process ${pid}`);
    this.pollExit();
    this.probeLoop(FAST_PROBE_MS);
  }

  private fail(message: string): void {
    this.phase = "failed";
    this.pid = null;
    this.ctx.event("Warning", "Failed", message);
    this.ctx.changed();
  }

  private pollExit(): void {
    const t = setInterval(() => {
      if (this.pid === null || this.startTime === null) return clearInterval(t);
      if (!isSameProcess(this.pid, this.startTime)) {
        clearInterval(t);
        this.timers.delete(t);
        this.onExit(null, null);
      }
    }, EXIT_POLL_MS);
    t.unref();
    this.timers.add(t);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const ranMs = this.startedAt ? this.ctx.now().getTime() - this.startedAt.getTime() : 0;
    const sandbox = this.ctx.sandbox;
    if (sandbox && this.instance) {
      const id = sandboxIdOf(this.instance);
      if (sandboxOomKilled(id)) {
        const limit = this.spec?.resources?.memory;
        this.ctx.event(
          "Warning",
          "OOMKilled",
          `Killed for exceeding its memory limit${limit ? ` of ${limit}` : ""}`,
        );
      }
      void releaseSandbox(sandbox, id);
    }
    this.pid = null;
    this.startTime = null;
    this.child = undefined;
    this.lastExit = { code, signal, at: this.ctx.now().toISOString() };
    this.clearTimers();
    if (this.exited) {
      this.exited();
      return;
    }
    if (this.closed) return;
    if (ranMs >= this.ctx.backoff.resetAfterMs) this.crashes = 0;
    const delay = Math.min(this.ctx.backoff.maxMs, this.ctx.backoff.initialMs * 2 ** this.crashes);
    this.crashes++;
    this.restarts++;
    this.phase = "backoff";
    this.ctx.event(
      "Warning",
      "BackOff",
      `Back-off ${delay}ms restarting failed process (exit ${code ?? signal ?? "unknown"})`,
    );
    this.ctx.changed();
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.start();
    }, delay);
    t.unref();
    this.timers.add(t);
  }

  private probeLoop(delay: number): void {
    if (this.closed || this.stopping) return;
    const t = setTimeout(async () => {
      this.timers.delete(t);
      if (this.pid === null || this.stopping || this.closed) return;
      const check = this.spec?.healthCheck ?? { type: "none" };
      // A sandboxed program's TCP port is looked for in its namespace's socket table (no
      // connection reaches it before its network is up); an HTTP probe goes to its address.
      const inTable = this.ctx.sandbox && check.type === "tcp" && this.port !== null;
      const readStarted = performance.now();
      const address = this.address;
      const ok = inTable
        ? listensInSandbox(this.pid, this.port!)
        : address !== undefined && (await probe(address, this.port, check));
      const tableMs = inTable ? performance.now() - readStarted : 0;
      if (this.pid === null || this.stopping || this.closed) return;
      if (ok) {
        this.probeFailures = 0;
        if (this.phase !== "ready") {
          this.phase = "ready";
          this.ctx.event("Normal", "Ready", `Replica ${this.index} is ready`);
          this.ctx.changed();
        }
      } else if (this.phase === "ready" && ++this.probeFailures >= FAILURES_TO_UNREADY) {
        this.phase = "unready";
        this.ctx.event("Warning", "Unhealthy", `Readiness probe failed ${this.probeFailures} times`);
        this.ctx.changed();
      }
      this.probeLoop(
        this.phase === "starting"
          ? this.startingDelay(tableMs)
          : (intervalOf(this.spec?.healthCheck) ?? this.ctx.probeIntervalMs),
      );
    }, delay);
    t.unref();
    this.timers.add(t);
  }

  /**
   * Next probe of a starting replica: a sandboxed one every SANDBOX_LISTEN_POLL_MS in its first
   * second, others every FAST_PROBE_MS; never sooner than TABLE_COST_FACTOR times what reading its
   * namespace's socket table took (`tableMs`), so the probe stays a small share of a core.
   */
  private startingDelay(tableMs: number): number {
    const early = this.ctx.sandbox && performance.now() - this.attachedAt < SANDBOX_LISTEN_POLL_FOR_MS;
    return Math.max(early ? SANDBOX_LISTEN_POLL_MS : FAST_PROBE_MS, TABLE_COST_FACTOR * tableMs);
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves when the process is gone. */
  stop(graceMs: number): Promise<void> {
    if (this.stopping) return this.stopping;
    this.dropWarm();
    if (this.launching) {
      // Let the sandbox finish starting, then stop the process it started.
      const launching = this.launching;
      this.stopping = launching.then(() => {
        this.stopping = undefined;
        return this.stop(graceMs);
      });
      return this.stopping;
    }
    this.clearTimers();
    const pid = this.pid;
    if (pid === null) {
      this.phase = "stopping";
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    this.phase = "stopping";
    this.ctx.event("Normal", "Killing", `Stopping process ${pid}`);
    this.ctx.changed();
    this.stopping = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(kill);
        clearInterval(poll);
        this.exited = undefined;
        resolve();
      };
      this.exited = done;
      const kill = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
      // An adopted process is not our child: watch /proc for its end.
      const poll = setInterval(() => {
        if (this.child === undefined && (this.startTime === null || !isSameProcess(pid, this.startTime))) {
          this.pid = null;
          done();
        }
      }, 20);
      const sandbox = this.ctx.sandbox;
      if (sandbox && this.instance) signalSandbox(sandboxIdOf(this.instance), "SIGTERM");
      else signalGroup(pid, "SIGTERM");
    });
    return this.stopping;
  }

  /** Stops timers without touching the process (the control plane is shutting down). */
  close(): void {
    this.closed = true;
    this.dropWarm();
    this.clearTimers();
  }

  /** Destroys a network made ahead that no start used. */
  private dropWarm(): void {
    if (this.warm && this.ctx.sandbox) void discardWarm(this.ctx.sandbox, this.warm);
    this.warm = undefined;
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * The launcher itself stays in the host's network namespace; its child is in the sandbox's once
 * it has entered it. Until then the child's table is the host's, where another process may listen
 * on the same port number: that must not count as ready.
 */
function listensInSandbox(launcher: number, port: number): boolean {
  const inside = firstChild(launcher);
  return inside !== undefined && inOtherNetns(inside, launcher) && listensInNamespace(inside, port);
}

function intervalOf(h: HealthCheck | undefined): number | undefined {
  return h && h.type !== "none" ? h.intervalMs : undefined;
}

export function probe(host: string, port: number | null, check: HealthCheck): Promise<boolean> {
  if (check.type === "none" || port === null) return Promise.resolve(true);
  return new Promise((resolve) => {
    if (check.type === "tcp") {
      const s = net.connect({ host, port });
      s.setTimeout(1000, () => s.destroy());
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
      s.once("close", () => resolve(false));
      return;
    }
    const req = http.get({ host, port, path: check.path, timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(false));
  });
}
