/**
 * Part of the Kubernetes API test double (the simulated kubelet): one pod's container as a real
 * local process, with its restarts, readiness and log.
 *
 * Follows "Pod Lifecycle": container states Waiting / Running / Terminated with `restartCount` and
 * `lastState`; `restartPolicy` Always / OnFailure / Never; restarts after an exponential back-off
 * (CrashLoopBackOff while waiting) that resets after the container ran a while; readiness from the
 * `readinessProbe` (httpGet or tcpSocket against the pod's port; exec probes count as passing) or
 * from the process having started; a `livenessProbe` failing `failureThreshold` times in a row kills
 * the container, which then restarts per its policy (liveness runs at its REAL initialDelaySeconds
 * and periodSeconds, so a slow start under load is not mistaken for a dead container). Deletion sends SIGTERM to the whole process
 * group and SIGKILL after the grace period. TIMINGS ARE COMPRESSED for tests: probes run every
 * `probeIntervalMs`, back-off starts at `restartBackoffMs`, and the grace period is capped.
 * Logs are kept like the CRI log files: one file per container instance, each line prefixed with
 * its RFC 3339 timestamp.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { signalGroup } from "../../../src/runtime/local/proc.js";
import { type SandboxSpec, bwrapArgs } from "./pod-sandbox.js";
import { timestamp } from "./time.js";

export interface RuntimeTimings {
  probeIntervalMs: number;
  restartBackoffMs: number;
  restartBackoffMaxMs: number;
  maxGraceMs: number;
}

export interface Probe {
  httpGet?: { path?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  tcpSocket?: object;
  exec?: object;
  failureThreshold?: number;
}

export interface Terminated {
  exitCode: number;
  signal?: string;
  reason: string;
  startedAt: string;
  finishedAt: string;
}

export type LogListener = (line: string | null) => void;

const stamp = () => new Date().toISOString();

export class PodRuntime {
  child?: ChildProcess;
  restartCount = 0;
  ready = false;
  startedAt?: string;
  lastTerminated?: Terminated;
  waitingReason: string | undefined = "ContainerCreating";
  finished = false;
  /** `stdinOnce`: stdin closes when the first attached client detaches. */
  stdinOnce = false;
  private stopping = false;
  private backoffMs: number;
  private probeTimer?: NodeJS.Timeout;
  private livenessTimer?: NodeJS.Timeout;
  private livenessFailures = 0;
  private restartTimer?: NodeJS.Timeout;
  private failures = 0;
  private followers = new Set<LogListener>();
  private outputListeners = new Set<(stream: 1 | 2, chunk: Buffer) => void>();
  private partial = ["", ""];
  /** bwrap could not exec the command: the container never started (containerd's StartError). */
  private execFailed = false;

  constructor(
    readonly port: number,
    readonly logDir: string,
    private readonly sandbox: SandboxSpec,
    private readonly restartPolicy: string,
    private readonly probes: { readiness?: Probe; liveness?: Probe },
    readonly stdinOpen: boolean,
    private readonly timings: RuntimeTimings,
    private readonly changed: (reason: string, message: string, warning?: boolean) => void,
  ) {
    this.backoffMs = timings.restartBackoffMs;
    fs.mkdirSync(logDir, { recursive: true });
  }

  /** The same sandbox (volumes, env, working directory) running another command: `kubectl exec`. */
  execSpec(argv: string[]): SandboxSpec {
    return { ...this.sandbox, argv };
  }

  logPath(instance = this.restartCount): string {
    return path.join(this.logDir, `${instance}.log`);
  }

  start(): void {
    if (this.stopping) return;
    const logFile = this.logPath();
    fs.writeFileSync(logFile, "");
    const child = spawn("bwrap", bwrapArgs(this.sandbox), {
      stdio: [this.stdinOpen ? "pipe" : "ignore", "pipe", "pipe"],
      detached: true,
    });
    this.child = child;
    this.startedAt = timestamp();
    const began = Date.now();
    this.waitingReason = undefined;
    this.partial = ["", ""];
    child.stdin?.on("error", () => {});
    child.stdout!.on("data", (c: Buffer) => this.output(1, c, logFile));
    child.stderr!.on("data", (c: Buffer) => this.output(2, c, logFile));
    child.on("error", (err) => this.output(2, Buffer.from(`kube-double: ${err.message}\n`), logFile));
    child.on("close", (code, signal) => this.exited(code, signal, began, logFile));
    this.changed("Started", "container started");
    this.ready = false;
    this.failures = 0;
    this.probeTimer = setInterval(() => void this.runProbe(), this.timings.probeIntervalMs);
    void this.runProbe();
    this.watchLiveness(child);
  }

  private output(stream: 1 | 2, chunk: Buffer, logFile: string): void {
    for (const l of this.outputListeners) l(stream, chunk);
    const text = this.partial[stream - 1] + chunk.toString("utf8");
    // bwrap writes its message in pieces: look at the line as far as it has come
    if (stream === 2 && /^bwrap: execvp /m.test(text)) this.execFailed = true;
    const lines = text.split("\n");
    this.partial[stream - 1] = lines.pop()!;
    if (lines.length > 0) this.appendLines(lines, logFile);
  }

  private appendLines(lines: string[], logFile: string): void {
    const at = stamp();
    fs.appendFileSync(logFile, lines.map((l) => `${at} ${l}\n`).join(""));
    for (const f of this.followers) for (const l of lines) f(`${at} ${l}`);
  }

  private exited(code: number | null, signal: NodeJS.Signals | null, began: number, logFile: string): void {
    const rest = this.partial.filter((p) => p.length > 0);
    if (rest.length > 0) this.appendLines(rest, logFile);
    for (const f of this.followers) f(null);
    this.followers.clear();
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    this.child = undefined;
    this.ready = false;
    // as containerd reports a command that cannot be executed: exit code 128, reason StartError
    const startError = this.execFailed && code === 1;
    this.execFailed = false;
    const exitCode = startError ? 128 : (code ?? (signal === "SIGKILL" ? 137 : 143));
    this.lastTerminated = {
      exitCode,
      ...(signal ? { signal } : {}),
      reason: startError ? "StartError" : exitCode === 0 ? "Completed" : "Error",
      startedAt: this.startedAt!,
      finishedAt: timestamp(),
    };
    if (this.stopping) {
      this.changed("Stopped", "container stopped");
      return;
    }
    const again = this.restartPolicy === "Always" || (this.restartPolicy === "OnFailure" && exitCode !== 0);
    if (!again) {
      this.finished = true;
      this.changed("Exited", `container exited with code ${exitCode}`);
      return;
    }
    if (Date.now() - began > 10_000) this.backoffMs = this.timings.restartBackoffMs;
    this.waitingReason = "CrashLoopBackOff";
    this.changed("BackOff", `Back-off restarting failed container (exit code ${exitCode})`, true);
    this.restartTimer = setTimeout(() => {
      this.restartCount++;
      this.start();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.timings.restartBackoffMaxMs);
  }

  private watchLiveness(child: ChildProcess): void {
    const probe = this.probes.liveness;
    if (!probe || (!probe.httpGet && !probe.tcpSocket)) return;
    this.livenessFailures = 0;
    const tick = async () => {
      if (this.child !== child) return;
      const ok = await this.check(probe);
      if (this.child !== child) return;
      this.livenessFailures = ok ? 0 : this.livenessFailures + 1;
      if (this.livenessFailures >= (probe.failureThreshold ?? 3)) {
        this.changed("Unhealthy", "Liveness probe failed", true);
        this.changed("Killing", "Container failed liveness probe, will be restarted", true);
        if (child.pid !== undefined) signalGroup(child.pid, "SIGTERM");
        return;
      }
      this.livenessTimer = setTimeout(() => void tick(), (probe.periodSeconds ?? 10) * 1000);
    };
    this.livenessTimer = setTimeout(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000);
  }

  private async runProbe(): Promise<void> {
    if (!this.child) return;
    const ok = await this.check(this.probes.readiness);
    if (!this.child) return;
    if (ok) {
      this.failures = 0;
      if (!this.ready) {
        this.ready = true;
        this.changed("Ready", "readiness probe succeeded");
      }
    } else if (this.ready && ++this.failures >= (this.probes.readiness?.failureThreshold ?? 3)) {
      this.ready = false;
      this.changed("Unhealthy", "Readiness probe failed", true);
    }
  }

  private async check(p: Probe | undefined): Promise<boolean> {
    if (!p || (!p.httpGet && !p.tcpSocket)) return true;
    if (p.httpGet) {
      try {
        const r = await fetch(`http://127.0.0.1:${this.port}${p.httpGet.path ?? "/"}`, {
          signal: AbortSignal.timeout(1000),
        });
        await r.body?.cancel();
        return r.status >= 200 && r.status < 400;
      } catch {
        return false;
      }
    }
    return new Promise((resolve) => {
      const s = net.connect(this.port, "127.0.0.1");
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
  }

  /** Lines of the current (or a previous) instance's log, each "<RFC 3339> <text>". */
  lines(instance = this.restartCount): string[] {
    try {
      return fs
        .readFileSync(this.logPath(instance), "utf8")
        .split("\n")
        .filter((l) => l.length > 0);
    } catch {
      return [];
    }
  }

  /** Follows the running instance's log; the listener gets null when it ends. Returns "unfollow". */
  follow(listener: LogListener): () => void {
    if (!this.child) {
      listener(null);
      return () => {};
    }
    this.followers.add(listener);
    return () => this.followers.delete(listener);
  }

  /** Streams raw output of the running process (attach). */
  onOutput(listener: (stream: 1 | 2, chunk: Buffer) => void): () => void {
    this.outputListeners.add(listener);
    return () => this.outputListeners.delete(listener);
  }

  writeStdin(chunk: Buffer): boolean {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return false;
    stdin.write(chunk);
    return true;
  }

  closeStdin(): void {
    this.child?.stdin?.end();
  }

  /** Stops the process: SIGTERM to its group, SIGKILL after the (capped) grace period. */
  async stop(graceSeconds: number): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    if (this.livenessTimer) clearTimeout(this.livenessTimer);
    const child = this.child;
    if (!child || child.pid === undefined) return;
    const gone = new Promise<void>((r) => child.once("close", () => r()));
    const signal = (s: NodeJS.Signals) => signalGroup(child.pid!, s);
    signal(graceSeconds === 0 ? "SIGKILL" : "SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), Math.min(graceSeconds * 1000, this.timings.maxGraceMs));
    await gone;
    clearTimeout(timer);
  }
}
