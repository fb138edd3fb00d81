/**
 * Auto-resume and activity. A paused deployment is woken by a proxied request (which waits), a
 * mention or a heartbeat (fire-and-forget). Concurrent wakes of one deployment share one resume.
 * Activity (each proxied request, bytes on streams and tunnels, heartbeats, mentions) is kept in memory and flushed once a second
 * to `last_active_at`, which the idle pauser reads.
 */
import type { Logger } from "pino";
import { BerthError } from "../../domain/errors.js";
import type { Store } from "../../store/store.js";
import { type Clock, every } from "../../util/clock.js";
import { toDeployment } from "../../domain/deployment.js";
import { canResume, isLive, isPausedLike, isServing } from "../../domain/lifecycle.js";
import type { StatusFeed } from "../../engine/status-feed.js";
import { assertOwned, type Principal } from "../auth/principal.js";
import type { PauseResume } from "./pause-resume.js";

export interface WakerDeps {
  store: Store;
  clock: Clock;
  lifecycle: PauseResume;
  feed: StatusFeed;
  log: Logger;
  /** How long a proxied request waits for a paused deployment to get ready (ms). */
  wakeTimeoutMs: number;
}

export class Waker {
  private readonly waking = new Map<string, Promise<boolean>>();
  private readonly activity = new Map<string, Date>();
  private stopFlush: (() => void) | undefined;

  private readonly store: Store;
  private readonly clock: Clock;
  private readonly lifecycle: PauseResume;
  private readonly feed: StatusFeed;
  private readonly log: Logger;
  private readonly timeoutMs: number;

  constructor(deps: WakerDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.lifecycle = deps.lifecycle;
    this.feed = deps.feed;
    this.log = deps.log;
    this.timeoutMs = deps.wakeTimeoutMs;
  }

  start(): void {
    this.stopFlush = every(this.clock, 1_000, () => void this.flush());
  }

  stop(): void {
    this.stopFlush?.();
  }

  /** Called for every proxied request and streamed chunk: a map write, no store access. */
  touch(deploymentId: string): void {
    this.activity.set(deploymentId, this.clock.now());
  }

  async flush(): Promise<void> {
    const entries = [...this.activity.entries()];
    this.activity.clear();
    for (const [id, at] of entries)
      await this.store.deployments.touch(id, at.toISOString()).catch(() => undefined);
  }

  /**
   * Activity of an agent (a mention, a heartbeat): its current deployments count as active, and the
   * paused ones are resumed without waiting. Returns the ids being resumed.
   */
  async wakeAgent(caller: Principal, agentId: string, reason: string): Promise<string[]> {
    const agent = assertOwned(caller, await this.store.agents.get(agentId), "agent");
    if (reason === "heartbeat") {
      await this.store.agents.update(agent.id, { last_heartbeat_at: this.clock.now().toISOString() });
    }
    const mine = await this.store.deployments.list({
      teamId: agent.team_id,
      agentId: agent.id,
      currentOnly: true,
    });
    const resuming: string[] = [];
    for (const row of mine) {
      this.touch(row.id);
      if (isPausedLike(toDeployment(row).status)) {
        resuming.push(row.id);
        void this.wake(row.id, `${reason}: agent ${agent.id}`).catch(() => undefined);
      }
    }
    return resuming;
  }

  /** Resumes a paused deployment (once, however many callers) and resolves true when it is ready. */
  wake(deploymentId: string, reason: string): Promise<boolean> {
    this.touch(deploymentId);
    let w = this.waking.get(deploymentId);
    if (!w) {
      w = this.resumeAndWait(deploymentId, reason).finally(() => this.waking.delete(deploymentId));
      this.waking.set(deploymentId, w);
    }
    return w;
  }

  private async resumeAndWait(id: string, reason: string): Promise<boolean> {
    const ready = await this.feed.await(
      id,
      async () => {
        const row = await this.store.deployments.get(id);
        if (!row) return false;
        const d = toDeployment(row);
        if (isServing(d.status)) return true;
        if (!d.isCurrent || !isLive(d.status)) return false;
        if (canResume(d.status)) {
          try {
            const after = await this.lifecycle.resumeAs(d, null, "system:auto-resume", reason);
            if (isServing(after.status)) return true;
          } catch (err) {
            // Another operation holds the namespace (a pause finishing, a concurrent resume): poll on.
            if (!(err instanceof BerthError) || err.code !== "CONFLICT") {
              this.log.warn({ err, deploymentId: id }, "auto-resume failed");
              return false;
            }
          }
        }
        return undefined;
      },
      { timeoutMs: this.timeoutMs },
    );
    return ready === true;
  }
}
