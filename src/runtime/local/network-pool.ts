/**
 * Pre-warmed sandbox networks: a small pool of namespaces, each already wired (sandbox-network.ts:
 * veth pair, address, a port chosen ahead reachable at <address>:<port>, berth's API port inside),
 * so a replica's start does not wait for `ip netns add` and the wiring (~20–50 ms here, the main
 * cost of a sandboxed start; docs/sandbox.md).
 *
 * Invariants: an entry is handed out once (`take`) and never returns to the pool; from then on it
 * belongs to the replica that took it and is destroyed by that replica's `releaseSandbox`. At most
 * `size` entries wait idle; a refill starts shortly after a take, once no replica is starting
 * (so off the wake path). `close`
 * destroys the idle ones; a control plane killed with entries idle leaves namespaces that the next
 * start-up sweep of any control plane removes (netns.ts: nothing holds them any more).
 */
import { freePort } from "./proc.js";
import type { ChildProcess } from "node:child_process";
import {
  instanceFor,
  newSandboxId,
  prepareNetwork,
  releaseSandbox,
  type SandboxHost,
  startLauncher,
  stopLauncher,
} from "./sandbox.js";
import { networkExists } from "./sandbox-network.js";

/**
 * A network made ahead: its sandbox id (namespace), the port reachable inside and the sandbox's
 * address; and a launcher waiting for the start (sandbox.ts `startLauncher`), so a wake does not fork.
 */
export interface WarmNetwork {
  id: string;
  port: number;
  address: string;
  launcher?: ChildProcess;
  /** The instance marker of the start that takes it (its launcher carries it). */
  instance: string;
}

/** Destroys an entry no start used: its launcher, then its network. */
export async function discardWarm(host: SandboxHost, entry: WarmNetwork): Promise<void> {
  if (entry.launcher) stopLauncher(entry.launcher);
  await releaseSandbox(host, entry.id);
}

export interface NetworkPoolOptions {
  host: SandboxHost;
  /** Idle entries kept ready (config BERTH_SANDBOX_WARM_NETWORKS). */
  size: number;
  /** Address the ports are chosen free on (the driver's host, 127.0.0.1). */
  bindHost: string;
  /** berth's public port, reachable inside every sandbox. */
  apiPort: number;
  /**
   * True while a replica is starting. A refill waits until none is (up to REFILL_DEFER_MAX_MS), so
   * its process spawns (`ip netns add`, ip, nft) do not compete for the CPU with a wake.
   */
  busy?: () => boolean;
  /** Told when making an entry failed; the pool tries again later. */
  onError(err: unknown): void;
}

/** Wait after a take before refilling, so the refill's process spawns stay off the wake itself. */
const REFILL_DELAY_MS = 100;
/** While a replica starts, a due refill looks again this often, for at most REFILL_DEFER_MAX_MS. */
const REFILL_DEFER_POLL_MS = 20;
const REFILL_DEFER_MAX_MS = 2_000;
/** Wait after a failed refill before the next try. */
const RETRY_MS = 5_000;

export class NetworkPool {
  private readonly idle: WarmNetwork[] = [];
  private filling: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly opts: NetworkPoolOptions) {}

  /** Starts filling the pool in the background. */
  start(): void {
    this.later(0);
  }

  /** Idle entries ready now. */
  get ready(): number {
    return this.idle.length;
  }

  /**
   * Hands out a ready network (never to be returned), or undefined when none is ready. An entry
   * whose namespace was deleted meanwhile is destroyed and skipped.
   */
  take(): WarmNetwork | undefined {
    for (;;) {
      const entry = this.idle.shift();
      if (!entry) break;
      this.later(REFILL_DELAY_MS);
      if (networkExists(entry.id)) return entry;
      void discardWarm(this.opts.host, entry);
    }
    this.later(REFILL_DELAY_MS);
    return undefined;
  }

  /** Stops refilling and destroys the idle entries. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.filling;
    await Promise.all(this.idle.splice(0).map((e) => discardWarm(this.opts.host, e)));
  }

  private later(ms: number): void {
    if (this.closed || this.timer || this.filling || this.idle.length >= this.opts.size) return;
    const deferUntil = performance.now() + ms + REFILL_DEFER_MAX_MS;
    const deferring = () => this.opts.busy?.() === true && performance.now() < deferUntil;
    const at = (delay: number, then: () => void) => {
      this.timer = setTimeout(then, delay).unref();
    };
    // While a replica starts, look again shortly; once none does, wait the delay again (the one
    // that just got ready is answering its first requests).
    const whenQuiet = () => (deferring() ? at(REFILL_DEFER_POLL_MS, whenQuiet) : at(REFILL_DELAY_MS, fire));
    const fire = () => {
      if (deferring()) return at(REFILL_DEFER_POLL_MS, whenQuiet);
      this.timer = undefined;
      this.filling = this.fill().finally(() => {
        this.filling = undefined;
      });
    };
    at(ms, fire);
  }

  private async fill(): Promise<void> {
    while (!this.closed && this.idle.length < this.opts.size) {
      const id = newSandboxId();
      const entry: WarmNetwork = {
        id,
        port: await freePort(this.opts.bindHost),
        address: "",
        instance: instanceFor(id),
      };
      try {
        entry.address = await prepareNetwork(this.opts.host, { ...entry, apiPort: this.opts.apiPort });
      } catch (err) {
        // A tool failed (or the subnet is full): try again later.
        await releaseSandbox(this.opts.host, entry.id);
        if (!this.closed) this.opts.onError(err);
        setTimeout(() => this.later(0), RETRY_MS).unref();
        return;
      }
      if (this.closed) {
        await releaseSandbox(this.opts.host, entry.id);
        continue;
      }
      try {
        entry.launcher = startLauncher(entry.instance);
      } catch (err) {
        // No launcher ahead: a start with this network spawns its own.
        this.opts.onError(err);
      }
      this.idle.push(entry);
    }
  }
}
