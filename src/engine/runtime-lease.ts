/**
 * The lease that lets one control plane at a time run the reconciler (and the other once-only loops:
 * idle pause, backup retention) on a shared store.
 *
 * Local runtime (lease `local-runtime`): nothing assigns a deployment to one of several control
 * planes, so each would start every deployment on its own machine; a control plane that finds the
 * lease held stands by — `/readyz` 503 with the reason, no schedule fired, no session run — and
 * takes over once the holder stops renewing and the lease expires.
 *
 * Shared runtime (Kubernetes; lease `reconciler`): the workloads live in the cluster, so every
 * control plane serves the API and the ingress and is ready; only the holder converges desired
 * state. A follower takes the lease over the same way when the holder dies.
 *
 * The holder is this control plane's id, kept in its data dir, so a restarted control plane takes
 * its own lease back at once (its processes are the ones it adopts). Expiry is judged by each
 * control plane's clock: clocks that disagree shift the takeover by their difference. A holder
 * that cannot renew before its lease expires, or finds it taken, stops its reconciler for good.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { LeaseRow } from "../store/schema.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../util/clock.js";

export const RUNTIME_LEASE = "local-runtime";
/** The lease of the reconciler when the runtime is shared by every control plane (Kubernetes). */
export const RECONCILER_LEASE = "reconciler";

/** This control plane's id: generated into `<dataDir>/control-plane-id` on first start. */
export function controlPlaneId(dataDir: string): string {
  const file = path.join(dataDir, "control-plane-id");
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const id = `cp-${randomUUID()}`;
    fs.writeFileSync(file, `${id}\n`, { mode: 0o600 });
    return id;
  }
}

export interface LeaseHooks {
  /** The lease was taken: start the work it guards. */
  acquired(): void;
  /** The lease was lost: stop that work. */
  lost(): void;
}

export class RuntimeLease {
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private heldUntil = 0;
  private busy = false;
  private stopped = false;
  private other: LeaseRow | undefined;
  private lostReason: string | undefined;
  private readonly name: string;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly hooks: LeaseHooks,
    /** True when the runtime's workloads do not live on this control plane's machine. */
    private readonly shared = false,
  ) {
    this.name = shared ? RECONCILER_LEASE : RUNTIME_LEASE;
  }

  /** Tries once (so the holder starts at once), then renews or retries every third of the TTL. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Why this control plane cannot serve (readiness), or undefined when it can. With a shared runtime
   * a follower serves everything but reconciliation, so only a lost lease (this control plane must
   * be restarted to lead again) is reported — and it is still ready.
   */
  standbyReason(): string | undefined {
    if (this.held || this.shared) return undefined;
    if (this.lostReason)
      return `lost the ${this.name} lease (${this.lostReason}); restart this control plane`;
    const by = this.other
      ? `control plane ${this.other.holder} (lease until ${this.other.expires_at})`
      : "another control plane";
    return `standby: ${by} runs the local runtime on this store; this one takes over when that lease expires`;
  }

  /** `leader` while this control plane holds the lease, else `follower`. */
  get role(): "leader" | "follower" {
    return this.held ? "leader" : "follower";
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped || (this.lostReason && !this.shared)) return;
    this.busy = true;
    const now = this.clock.now();
    try {
      const until = now.getTime() + this.ttlMs;
      if (
        await this.store.leases.acquire(
          this.name,
          this.holder,
          now.toISOString(),
          new Date(until).toISOString(),
        )
      ) {
        this.heldUntil = until;
        if (!this.held) this.gain();
        return;
      }
      const first = this.other === undefined;
      this.other = await this.store.leases.get(this.name);
      if (this.held) this.lose(`control plane ${this.other?.holder ?? "another"} holds it now`);
      else if (first)
        this.log.warn(
          { holder: this.other?.holder, expiresAt: this.other?.expires_at },
          this.shared
            ? `follower: control plane ${this.other?.holder ?? "another"} reconciles; this one serves the API and the ingress`
            : this.standbyReason(),
        );
    } catch (err) {
      this.log.warn({ err }, `could not take or renew the ${this.name} lease`);
      if (this.held && now.getTime() >= this.heldUntil)
        this.lose("it expired while the store was unreachable");
    } finally {
      this.busy = false;
    }
  }

  private gain(): void {
    this.held = true;
    this.lostReason = undefined;
    if (this.other) {
      this.log.warn(
        { previous: this.other.holder },
        `took over the ${this.name} lease: this control plane now runs the reconciler`,
      );
    }
    this.other = undefined;
    this.hooks.acquired();
  }

  private lose(reason: string): void {
    this.held = false;
    this.lostReason = reason;
    this.log.error(`lost the ${this.name} lease (${reason}): the reconciler is stopped`);
    this.hooks.lost();
  }

  /**
   * Stops renewing. `release` (the workloads are stopped too) gives a held lease up so a standby
   * takes over at once; otherwise it runs out, since the workloads still run here for a restart to adopt.
   */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 10));
    if (this.held && release) await this.store.leases.release(this.name, this.holder).catch(() => undefined);
    this.held = false;
  }
}
