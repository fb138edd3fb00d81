/**
 * The lease that lets one control plane at a time run the local runtime's reconciler on a shared
 * store. Nothing assigns a deployment to one of several control planes, so each would start every
 * deployment on its own machine; until a shared runtime (Kubernetes) exists, a control plane that
 * finds the lease held stands by — serving nothing, `/readyz` 503 with the reason — and takes over
 * once the holder stops renewing and the lease expires.
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

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly hooks: LeaseHooks,
  ) {}

  /** Tries once (so the holder starts at once), then renews or retries every third of the TTL. */
  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** Why this control plane does not run the reconciler, or undefined when it does. */
  standbyReason(): string | undefined {
    if (this.held) return undefined;
    if (this.lostReason)
      return `lost the ${RUNTIME_LEASE} lease (${this.lostReason}); restart this control plane`;
    const by = this.other
      ? `control plane ${this.other.holder} (lease until ${this.other.expires_at})`
      : "another control plane";
    return `standby: ${by} runs the local runtime on this store; this one takes over when that lease expires`;
  }

  private async tick(): Promise<void> {
    if (this.busy || this.stopped || this.lostReason) return;
    this.busy = true;
    const now = this.clock.now();
    try {
      const until = now.getTime() + this.ttlMs;
      if (
        await this.store.leases.acquire(
          RUNTIME_LEASE,
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
      this.other = await this.store.leases.get(RUNTIME_LEASE);
      if (this.held) this.lose(`control plane ${this.other?.holder ?? "another"} holds it now`);
      else if (first)
        this.log.warn(
          { holder: this.other?.holder, expiresAt: this.other?.expires_at },
          this.standbyReason(),
        );
    } catch (err) {
      this.log.warn({ err }, `could not take or renew the ${RUNTIME_LEASE} lease`);
      if (this.held && now.getTime() >= this.heldUntil)
        this.lose("it expired while the store was unreachable");
    } finally {
      this.busy = false;
    }
  }

  private gain(): void {
    this.held = true;
    if (this.other) {
      this.log.warn(
        { previous: this.other.holder },
        `took over the ${RUNTIME_LEASE} lease: this control plane now runs the reconciler`,
      );
    }
    this.other = undefined;
    this.hooks.acquired();
  }

  private lose(reason: string): void {
    this.held = false;
    this.lostReason = reason;
    this.log.error(`lost the ${RUNTIME_LEASE} lease (${reason}): the reconciler is stopped`);
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
    if (this.held && release)
      await this.store.leases.release(RUNTIME_LEASE, this.holder).catch(() => undefined);
    this.held = false;
  }
}
