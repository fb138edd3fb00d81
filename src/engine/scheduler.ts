/**
 * The scheduler: fires due cron schedules exactly once per fire time and runs their sessions.
 * A fire time is claimed by inserting its run row (unique per schedule and fire time), so a
 * restarted control plane or a second one on the same PostgreSQL never runs it twice.
 * Missed fire times are not replayed in a burst: after downtime only the latest missed fire time
 * runs (when it is at most `missedGraceMs` old); the earlier ones are recorded as `skipped` runs
 * (at most 100 per schedule) and the schedule continues from the next future fire time.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import type { Logger } from "pino";
import { agentSpecSchema } from "../domain/config-spec.js";
import { nextRun } from "../domain/cron.js";
import { newId } from "../domain/ids.js";
import { isRunFailed, isRunSkipped } from "../domain/record-status.js";
import type { RuntimeDriver } from "../runtime/driver.js";
import type { ScheduleRow, ScheduleRunRow } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { type Clock, every, sleep } from "../util/clock.js";
import { tierPolicy } from "../domain/policy.js";
import { openSessionPath, runSession, sessionDir, sessionSpecOf, sessionsOf } from "./session-runner.js";

export interface SchedulerOptions {
  dataDir: string;
  pollMs: number;
  missedGraceMs: number;
  retryBaseMs: number;
}

const MAX_SKIPPED_RECORDS = 100;

/** What the scheduler asks of the schedules capability (wired in the composition root). */
export interface ScheduleHooks {
  /** Decrypted secrets of the named vaults, for a session's env. */
  secretsOf(vaultIds: string[]): Promise<Record<string, string>>;
  /** Hands the capability the function that starts a manual run. */
  setTrigger(trigger: (s: ScheduleRow) => Promise<string>): void;
  /** Hands the capability the function that removes a deleted schedule's session state. */
  setCleanup(cleanup: (scheduleId: string) => Promise<void>): void;
}

export class Scheduler {
  readonly owner = `sched-${process.pid}-${randomBytes(4).toString("hex")}`;
  private stopTimer: (() => void) | undefined;
  private ticking = false;
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly driver: RuntimeDriver,
    private readonly schedules: ScheduleHooks,
    private readonly log: Logger,
    private readonly opts: SchedulerOptions,
  ) {
    // Manual runs are not tied to a fire time: each gets a key of its own.
    schedules.setTrigger((s) => this.trigger(s, "manual", `manual:${newId()}`));
    schedules.setCleanup((id) => fs.rm(sessionsOf(opts.dataDir, id), { recursive: true, force: true }));
  }

  async start(opts: { exclusive: boolean }): Promise<void> {
    await this.failOrphans(opts.exclusive);
    this.stopTimer = every(this.clock, this.opts.pollMs, () => void this.tick());
  }

  /** Waits for running sessions (tests); stops firing. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    await Promise.allSettled([...this.active]);
  }

  /** Sessions left running by a control plane that died cannot be resumed: they end failed. */
  private async failOrphans(exclusive: boolean): Promise<void> {
    const now = this.clock.now();
    for (const run of await this.store.schedules.orphanedRuns(exclusive ? [] : [this.owner])) {
      const s = await this.store.schedules.get(run.schedule_id);
      const deadline = run.started_at ? Date.parse(run.started_at) + (s?.timeout_ms ?? 0) + 60_000 : 0;
      if (!exclusive && deadline > now.getTime()) continue;
      await this.finishRun(run, s, {
        status: "failed",
        error: "interrupted: the control plane stopped during the session",
      });
    }
  }

  /** One pass over due schedules (the timer calls it; tests call it with a fake clock). */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.clock.now();
      for (const s of await this.store.schedules.due(now.toISOString())) await this.fire(s, now);
    } catch (err) {
      this.log.error({ err }, "scheduler tick failed");
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Fires a due schedule once. When several fire times are due (berth was down), only the latest
   * runs — if it is within `missedGraceMs` — and the earlier ones are recorded as skipped.
   */
  private async fire(s: ScheduleRow, now: Date): Promise<void> {
    const due: string[] = [s.next_trigger_at!];
    for (;;) {
      const next = nextRun(s.cron_expression, s.timezone, new Date(due.at(-1)!));
      if (!next || next.getTime() > now.getTime()) break;
      due.push(next.toISOString());
      if (due.length > MAX_SKIPPED_RECORDS + 1) due.shift();
    }
    const latest = due.at(-1)!;
    const runLatest = now.getTime() - Date.parse(latest) <= this.opts.missedGraceMs;
    for (const fireTime of runLatest ? due.slice(0, -1) : due) {
      await this.store.schedules.claimRun(
        this.runRow(s.id, fireTime, "cron", "skipped", "missed: berth was not running at this time"),
      );
    }
    if (runLatest) await this.trigger(s, "cron", latest).catch(() => undefined);
    const future = nextRun(s.cron_expression, s.timezone, new Date(latest))?.toISOString() ?? null;
    await this.store.schedules.advance(s.id, s.next_trigger_at!, future, now.toISOString());
  }

  private runRow(
    scheduleId: string,
    fireTime: string,
    trigger: string,
    status: string,
    error: string | null,
  ): ScheduleRunRow {
    return {
      id: newId(),
      schedule_id: scheduleId,
      fire_time: fireTime,
      scheduled_for: trigger === "manual" ? this.clock.now().toISOString() : fireTime,
      trigger,
      status,
      attempt: 0,
      session_id: null,
      owner: this.owner,
      started_at: null,
      ended_at: isRunSkipped(status) ? this.clock.now().toISOString() : null,
      duration_ms: null,
      exit_code: null,
      output: null,
      error,
      created_at: this.clock.now().toISOString(),
    };
  }

  /** Claims the fire time and starts its session in the background; returns the run id. */
  async trigger(s: ScheduleRow, trigger: "cron" | "manual", fireTime: string): Promise<string> {
    const row = this.runRow(s.id, fireTime, trigger, "pending", null);
    if (!(await this.store.schedules.claimRun(row))) throw new Error("fire time already claimed");
    const at = this.clock.now().toISOString();
    await this.store.schedules.update(s.id, { last_triggered_at: at });
    if ((await this.store.schedules.runningCount(s.id)) > s.max_concurrent) {
      await this.store.schedules.updateRun(row.id, {
        status: "skipped",
        ended_at: at,
        error: `skipped: max_concurrent (${s.max_concurrent}) sessions already running`,
      });
      return row.id;
    }
    const p = this.execute(s, row).catch((err) =>
      this.log.error({ err, run: row.id }, "session failed to run"),
    );
    this.active.add(p);
    void p.finally(() => this.active.delete(p));
    return row.id;
  }

  private async execute(s: ScheduleRow, run: ScheduleRunRow): Promise<void> {
    const agent = await this.store.agents.get(s.agent_id);
    const parsed = agent ? agentSpecSchema.safeParse(JSON.parse(agent.spec)) : undefined;
    const spec = parsed?.success ? sessionSpecOf(parsed.data, this.driver) : undefined;
    const isolation = this.driver.isolation();
    if (!spec || (spec.clientCommand && !isolation.clientCommands)) {
      await this.finishRun(run, s, {
        status: "failed",
        error: !spec
          ? "the agent has no runnable spec on this runtime"
          : `the agent's command cannot run: the sandbox needs ${isolation.missing.join(", ")}, missing on this host`,
      });
      return;
    }
    const team = agent ? await this.store.tenancy.getTeam(agent.team_id) : undefined;
    const sandbox = this.driver.sessionSandbox?.(tierPolicy(team?.tier ?? "free").maxPids);
    if (sandbox) openSessionPath(this.opts.dataDir, s.id);
    let sessionId = s.session_id;
    if (s.session_strategy !== "reuse_session" || !sessionId) {
      sessionId = `sesn_${newId().replaceAll("-", "")}`;
      if (s.session_strategy === "reuse_session")
        await this.store.schedules.update(s.id, { session_id: sessionId });
    }
    const secrets = await this.schedules.secretsOf(JSON.parse(s.vault_ids) as string[]);
    const startedAt = this.clock.now().toISOString();
    await this.store.schedules.updateRun(run.id, {
      status: "running",
      session_id: sessionId,
      started_at: startedAt,
    });
    for (let attempt = 1; ; attempt++) {
      await this.store.schedules.updateRun(run.id, { attempt });
      const result = await runSession({
        spec,
        sessionId,
        stateDir: sessionDir(this.opts.dataDir, s.id, sessionId),
        secrets,
        events: JSON.parse(s.initial_events) as unknown[],
        timeoutMs: s.timeout_ms,
        sandbox,
      });
      const ok = result.exitCode === 0 && !result.timedOut;
      if (ok || attempt > s.max_retries) {
        await this.finishRun({ ...run, attempt, started_at: startedAt }, s, {
          status: ok ? "completed" : "failed",
          exitCode: result.exitCode,
          output: result.output,
          durationMs: Date.now() - Date.parse(startedAt),
          error: ok ? null : (result.error ?? `exited with code ${result.exitCode}`),
        });
        return;
      }
      await sleep(this.clock, Math.min(30_000, this.opts.retryBaseMs * 2 ** (attempt - 1)));
    }
  }

  /** Ends a run and updates the schedule's stats; pauses the schedule after too many failures in a row. */
  private async finishRun(
    run: ScheduleRunRow,
    s: ScheduleRow | undefined,
    r: {
      status: "completed" | "failed";
      exitCode?: number | null;
      output?: string;
      durationMs?: number;
      error: string | null;
    },
  ): Promise<void> {
    const at = this.clock.now().toISOString();
    await this.store.schedules.updateRun(run.id, {
      status: r.status,
      ended_at: at,
      exit_code: r.exitCode ?? null,
      output: r.output ?? null,
      duration_ms: r.durationMs ?? null,
      error: r.error,
    });
    if (!s) return;
    const failed = isRunFailed(r.status);
    // Counters move in one atomic UPDATE each, so control planes finishing runs at once lose nothing.
    const after = await this.store.schedules.countRun(s.id, failed, at);
    if (after && failed && after.consecutive_failures >= after.pause_after_failures) {
      await this.store.schedules.pauseIfActive(
        s.id,
        `paused after ${after.consecutive_failures} consecutive failed runs (last: ${r.error ?? "failed"})`,
        at,
      );
    }
  }
}
