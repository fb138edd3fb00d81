/**
 * Idle pause: a ready deployment with an idle timeout that has seen no activity (proxied request,
 * heartbeat, mention) for that long is paused, with the reason recorded. Reads time from the clock.
 */
import type { Logger } from "pino";
import type { PauseResume } from "../capabilities/lifecycle/pause-resume.js";
import { toDeployment } from "../capabilities/deployments/model.js";
import { BerthError } from "../domain/errors.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../util/clock.js";

export class IdlePauser {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly lifecycle: PauseResume,
    private readonly log: Logger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass: pauses every idle deployment; returns the ids it paused. */
  async check(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    const paused: string[] = [];
    try {
      const now = this.clock.now().getTime();
      const rows = await this.store.deployments.list({ statuses: ["ready"], currentOnly: true });
      for (const row of rows) {
        if (row.idle_timeout_ms === null) continue;
        const last = Math.max(Date.parse(row.last_active_at ?? row.updated_at), Date.parse(row.updated_at));
        if (now - last < row.idle_timeout_ms) continue;
        const reason = `idle for ${Math.round((now - last) / 1000)}s (timeout ${Math.round(row.idle_timeout_ms / 1000)}s)`;
        try {
          await this.lifecycle.pauseAs(toDeployment(row), null, "system:idle-pause", reason);
          paused.push(row.id);
        } catch (err) {
          if (!(err instanceof BerthError && err.code === "CONFLICT"))
            this.log.warn({ err, deploymentId: row.id }, "idle pause failed");
        }
      }
    } finally {
      this.running = false;
    }
    return paused;
  }
}
