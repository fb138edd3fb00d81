/**
 * Read side of a deployment: logs, metrics, runtime events, revision history, lifecycle events.
 * Log lines are shown with the deployment's secret env values masked (those GET /config masks).
 */
import { notFound } from "../../domain/errors.js";
import type { RuntimeDriver } from "../../runtime/driver.js";
import { redact, secretPieces } from "../../security/redact.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { type Deployment, defaultWorkload, workloadKey } from "../../domain/deployment.js";
import type { DeploymentEnv } from "./env.js";

/** How old the secrets masking a log stream may be: well below the time a process takes to start. */
const SECRETS_REFRESH_MS = 20;

export class DeploymentObserver {
  constructor(
    private readonly store: Store,
    private readonly driver: RuntimeDriver,
    private readonly clock: Clock,
    private readonly env: DeploymentEnv,
  ) {}

  private async secretPieces(d: Deployment): Promise<string[]> {
    return secretPieces(await this.env.secretValues(d.id, d.config.envVars));
  }

  /** The workload a `service` parameter names, or the first one (agents first). */
  workloadOf(d: Deployment, service?: string): string {
    if (service !== undefined) {
      if (!d.config.workloads.some((w) => w.name === service)) throw notFound(`service ${service}`);
      return workloadKey(d.id, service);
    }
    const first = defaultWorkload(d);
    if (!first) throw notFound("service");
    return workloadKey(d.id, first.name);
  }

  async logs(d: Deployment, q: { service?: string; tail: number; replica?: number }): Promise<string> {
    const key = this.workloadOf(d, q.service);
    const [text, pieces] = await Promise.all([
      this.driver.readLogs(key, { tail: q.tail, replica: q.replica }),
      this.secretPieces(d),
    ]);
    return redact(text, pieces);
  }

  /**
   * New log lines, masked. The secrets are read again when the last read is older than any process
   * needs to start, so values replaced while the stream is open are masked in the new process's
   * lines; the replaced ones stay masked too (an old process's last lines may arrive afterwards).
   */
  async *follow(d: Deployment, q: { service?: string; signal: AbortSignal }): AsyncGenerator<string> {
    const lines = this.driver.followLogs(this.workloadOf(d, q.service), { signal: q.signal });
    const known = new Set(await this.secretPieces(d));
    let pieces = [...known];
    let readAt = performance.now();
    for await (const line of lines) {
      if (performance.now() - readAt > SECRETS_REFRESH_MS) {
        const before = known.size;
        for (const p of await this.secretPieces(d)) known.add(p);
        if (known.size !== before) pieces = [...known].sort((a, b) => b.length - a.length);
        readAt = performance.now();
      }
      yield redact(line, pieces);
    }
  }

  async metrics(d: Deployment, service?: string) {
    const keys =
      service !== undefined
        ? [this.workloadOf(d, service)]
        : d.config.workloads.map((w) => workloadKey(d.id, w.name));
    let cpu = 0;
    let mem = 0;
    let at = this.clock.now();
    for (const key of keys) {
      const m = await this.driver.metrics(key);
      if (!m) continue;
      cpu += m.cpuMillicores;
      mem += m.memoryBytes;
      at = m.at;
    }
    const replicas = keys.map((k) => this.driver.status(k));
    return {
      cpuMillicores: cpu,
      memoryBytes: mem,
      at,
      readyReplicas: replicas.reduce((n, s) => n + (s?.readyReplicas ?? 0), 0),
      desiredReplicas: replicas.reduce((n, s) => n + (s?.desiredReplicas ?? 0), 0),
      restarts: replicas.reduce((n, s) => n + (s?.replicas.reduce((m, r) => m + r.restarts, 0) ?? 0), 0),
      startedAt: replicas
        .flatMap((s) => s?.replicas.map((r) => r.startedAt) ?? [])
        .filter((x): x is string => x !== null)
        .sort()[0],
    };
  }

  runtimeEvents(d: Deployment, limit = 200) {
    return this.store.history.runtimeEvents(d.id, limit);
  }

  revisions(d: Deployment) {
    return this.store.history.revisions(d.id);
  }

  /** Ready and desired replicas across the deployment's workloads, as the runtime sees them now. */
  replicas(d: Deployment): { ready: number; desired: number } {
    let ready = 0;
    let desired = 0;
    for (const w of d.config.workloads) {
      const st = this.driver.status(workloadKey(d.id, w.name));
      ready += st?.readyReplicas ?? 0;
      desired += st?.desiredReplicas ?? 0;
    }
    return { ready, desired };
  }

  async lifecycle(
    d: Deployment,
    f: { type?: string; status?: string | string[]; skip: number; limit: number },
  ) {
    const [events, total] = await Promise.all([
      this.store.history.events(d.id, f),
      this.store.history.countEvents(d.id, { type: f.type, status: f.status }),
    ]);
    return { events, total };
  }
}

/** `150m` style CPU and `256Mi` style memory, as Kubernetes prints them. */
export function formatCpu(millicores: number): string {
  return `${Math.max(0, Math.round(millicores))}m`;
}

export function formatMemory(bytes: number): string {
  const mi = bytes / (1024 * 1024);
  if (mi >= 1024 * 10) return `${Math.round(mi / 1024)}Gi`;
  if (mi >= 1) return `${Math.round(mi)}Mi`;
  return `${Math.round(bytes / 1024)}Ki`;
}
