/**
 * Auto-resume and activity. A paused deployment is woken by a proxied request (which waits), a
 * mention or a heartbeat (fire-and-forget). Concurrent wakes of one deployment share one resume.
 * Activity (each proxied request, bytes on streams and tunnels, heartbeats, mentions) is kept in memory and flushed once a second
 * to `last_active_at`, which the idle pauser reads.
 */
import type { Logger } from "pino";
import { BerthError } from "../../domain/errors.js";
import type { Store } from "../../store/store.js";
import type { Clock } from "../../util/clock.js";
import { pollUntil } from "../../util/wait.js";
import { assertOwned, type Principal } from "../auth/principal.js";
import { toDeployment } from "../deployments/model.js";
import type { PauseResume } from "./pause-resume.js";

export class Waker {
  private readonly waking = new Map<string, Promise<boolean>>();
  private readonly activity = new Map<string, Date>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly lifecycle: PauseResume,
    private readonly log: Logger,
    private readonly timeoutMs: number,
  ) {}

  start(): void {
    this.flushTimer = setInterval(() => void this.flush(), 1_000);
    this.flushTimer.unref();
  }

  stop(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
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
      if (row.status === "paused" || row.status === "pausing" || row.status === "stopped") {
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
    const ready = await pollUntil(
      async () => {
        const row = await this.store.deployments.get(id);
        if (!row) return false;
        const d = toDeployment(row);
        if (d.status === "ready") return true;
        if (!d.isCurrent || d.status === "failed" || d.status === "deleting" || d.status === "destroyed")
          return false;
        if (d.status === "paused" || d.status === "stopped") {
          try {
            const after = await this.lifecycle.resumeAs(d, null, "system:auto-resume", reason);
            if (after.status === "ready") return true;
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
      this.timeoutMs,
      20,
    );
    return ready === true;
  }
}
