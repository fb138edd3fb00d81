/**
 * The scheduler: fires due cron schedules exactly once per fire time and runs their sessions.
 * A fire time is claimed by inserting its run row (unique per schedule and fire time), so a
 * restarted control plane or a second one on the same PostgreSQL never runs it twice.
 * Missed fire times are not replayed in a burst: after downtime only the latest missed fire time
 * runs (when it is at most `missedGraceMs` old); the earlier ones are recorded as `skipped` runs
 * (at most 100 per schedule) and the schedule continues from the next future fire time.
 * Besides polling every `pollMs` (schedules another control plane created), the scheduler wakes at
 * the earliest known fire time itself, and claims every fire time due in one pass in a single
 * transaction before any session starts, so a thousand schedules on the same minute fire together.
 *
 * Only a control plane that may run sessions (`runsSessions`: with the local runtime, the holder of
 * the runtime lease — sessions run on its machine) fires schedules; a standby fires none, and a
 * manual run triggered through it is claimed for the holder (owner `handed-off`), which adopts and
 * starts it on its next tick. On taking the lease over, the new holder fails the runs the previous
 * one left unfinished (their sessions cannot report to it) and fires what is due, so each fire time
 * is still claimed once: missed ones follow the rule above.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { agentSpecSchema } from "../domain/config-spec.js";
import { nextRun } from "../domain/cron.js";
import { newId } from "../domain/ids.js";
import { tierPolicy } from "../domain/policy.js";
import { HANDED_OFF_OWNER, isRunFailed, isRunSkipped } from "../domain/record-status.js";
import type { RuntimeDriver } from "../runtime/driver.js";
import type { ScheduleRow, ScheduleRunRow } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { after, type Clock, every, sleep } from "../util/clock.js";
import { runSession, sessionSpecOf } from "./session-runner.js";

export interface SchedulerOptions {
  pollMs: number;
  missedGraceMs: number;
  retryBaseMs: number;
  /** Whether this control plane may run sessions now (checked on every tick and manual run). */
  runsSessions?: () => boolean;
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
  private cancelWake: (() => void) | undefined;
  private stopped = false;
  private ticking = false;
  /** A tick was asked for while one ran (a wake-up at a fire time): run once more right after. */
  private tickAgain = false;
  private readonly active = new Set<Promise<void>>();
  /** Sessions waiting for their turn to start (see startTurn). */
  private readonly startQueue: (() => void)[] = [];
  private pacing = false;

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
    schedules.setCleanup((id) => driver.deleteSessionState(id));
  }

  /**
   * `exclusive`: no other control plane runs sessions on this store (SQLite, or the local runtime's
   * lease holder), so every unfinished run of another owner is an orphan at once; otherwise only
   * those past their timeout (plus a minute) are.
   */
  async start(opts: { exclusive: boolean }): Promise<void> {
    if (this.runsSessions()) await this.failOrphans(opts.exclusive);
    this.stopTimer = every(this.clock, this.opts.pollMs, () => void this.tick());
  }

  /** This control plane took the runtime lease over: it alone runs sessions from now on. */
  async takeOver(): Promise<void> {
    await this.failOrphans(true);
    await this.tick();
  }

  private runsSessions(): boolean {
    return this.opts.runsSessions?.() ?? true;
  }

  /** Waits for running sessions (tests); stops firing. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopTimer?.();
    this.cancelWake?.();
    await Promise.allSettled([...this.active]);
  }

  /** Sessions left running by a control plane that died cannot be resumed: they end failed. */
  private async failOrphans(exclusive: boolean): Promise<void> {
    const now = this.clock.now();
    for (const run of await this.store.schedules.orphanedRuns([this.owner])) {
      const s = await this.store.schedules.get(run.schedule_id);
      const deadline = run.started_at ? Date.parse(run.started_at) + (s?.timeout_ms ?? 0) + 60_000 : 0;
      if (!exclusive && deadline > now.getTime()) continue;
      await this.finishRun(run, s, {
        status: "failed",
        error: "interrupted: the control plane stopped during the session",
      });
    }
  }

  /** One pass over due schedules (the timers call it; tests call it with a fake clock). */
  async tick(): Promise<void> {
    if (!this.runsSessions()) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.ticking = true;
    this.tickAgain = false;
    try {
      const now = this.clock.now();
      const due = await this.store.schedules.due(now.toISOString());
      const claimed = await this.claimDue(due, now);
      for (const [s, row] of claimed) await this.launch(s, row).catch(() => undefined);
      await this.adoptHandedOff();
      await this.wakeAtNextFireTime();
    } catch (err) {
      this.log.error({ err }, "scheduler tick failed");
    } finally {
      this.ticking = false;
    }
    if (this.tickAgain && !this.stopped) await this.tick();
  }

  /** Starts the manual runs a control plane that may not run sessions claimed for this one. */
  private async adoptHandedOff(): Promise<void> {
    for (const row of await this.store.schedules.adoptHandedOff(this.owner)) {
      const s = await this.store.schedules.get(row.schedule_id);
      if (s && !s.archived_at) await this.launch(s, row).catch(() => undefined);
      else await this.finishRun(row, s, { status: "failed", error: "the deployment was deleted" });
    }
  }

  /** Sets a one-shot timer for the earliest fire time when it comes before the next poll. */
  private async wakeAtNextFireTime(): Promise<void> {
    if (this.stopped || this.stopTimer === undefined) return;
    const next = await this.store.schedules.nextDue();
    if (next === undefined) return;
    const wait = Date.parse(next) - this.clock.now().getTime();
    if (wait >= this.opts.pollMs) return;
    this.cancelWake?.();
    this.cancelWake = after(this.clock, Math.max(0, wait), () => void this.tick());
  }

  /**
   * Plans every due schedule and, in one transaction, records the missed fire times as skipped,
   * claims the fire time to run and advances the schedule. When several fire times are due
   * (berth was down), only the latest runs — if it is within `missedGraceMs` — and the earlier ones
   * are recorded as skipped. Returns the runs this control plane claimed.
   */
  private async claimDue(due: ScheduleRow[], now: Date): Promise<[ScheduleRow, ScheduleRunRow][]> {
    // in id order, so two control planes claiming on one PostgreSQL take row locks in the same order
    const ordered = [...due].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const plans = ordered.map((s) => {
      const times: string[] = [s.next_trigger_at!];
      for (;;) {
        const next = nextRun(s.cron_expression, s.timezone, new Date(times.at(-1)!));
        if (!next || next.getTime() > now.getTime()) break;
        times.push(next.toISOString());
        if (times.length > MAX_SKIPPED_RECORDS + 1) times.shift();
      }
      const latest = times.at(-1)!;
      const runLatest = now.getTime() - Date.parse(latest) <= this.opts.missedGraceMs;
      const future = nextRun(s.cron_expression, s.timezone, new Date(latest))?.toISOString() ?? null;
      return {
        s,
        skipped: runLatest ? times.slice(0, -1) : times,
        run: runLatest ? latest : undefined,
        future,
      };
    });
    if (plans.length === 0) return [];
    const skipped = plans.flatMap((p) =>
      p.skipped.map((t) =>
        this.runRow(p.s.id, t, "cron", "skipped", "missed: berth was not running at this time"),
      ),
    );
    const toRun = plans.flatMap((p) =>
      p.run === undefined ? [] : [[p.s, this.runRow(p.s.id, p.run, "cron", "pending", null)] as const],
    );
    return this.store.transaction(async (tx) => {
      const ids = await tx.schedules.claimRuns([...skipped, ...toRun.map(([, row]) => row)]);
      for (const p of plans)
        await tx.schedules.advance(p.s.id, p.s.next_trigger_at!, p.future, now.toISOString());
      return toRun.filter(([, row]) => ids.has(row.id)).map(([s, row]) => [s, row]);
    });
  }

  private runRow(
    scheduleId: string,
    fireTime: string,
    trigger: string,
    status: string,
    error: string | null,
    owner = this.owner,
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
      owner,
      started_at: null,
      ended_at: isRunSkipped(status) ? this.clock.now().toISOString() : null,
      duration_ms: null,
      exit_code: null,
      output: null,
      error,
      created_at: this.clock.now().toISOString(),
    };
  }

  /**
   * Claims the fire time and starts its session in the background; returns the run id. A control
   * plane that may not run sessions leaves the claimed run pending for the one that may.
   */
  async trigger(s: ScheduleRow, trigger: "cron" | "manual", fireTime: string): Promise<string> {
    const runsHere = this.runsSessions();
    const row = this.runRow(
      s.id,
      fireTime,
      trigger,
      "pending",
      null,
      runsHere ? this.owner : HANDED_OFF_OWNER,
    );
    if (!(await this.store.schedules.claimRun(row))) throw new Error("fire time already claimed");
    return runsHere ? this.launch(s, row) : row.id;
  }

  /** Starts the session of a claimed run in the background, unless max_concurrent is reached. */
  private async launch(s: ScheduleRow, row: ScheduleRunRow): Promise<string> {
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
    const caps = this.driver.capabilities();
    const refused = caps.unsupported.includes("startSession")
      ? `scheduled sessions do not run on the ${caps.runtime} runtime`
      : !spec
        ? "the agent has no runnable spec on this runtime"
        : spec.clientCommand && !caps.clientCommands
          ? `the agent's command cannot run: the sandbox needs ${caps.missing.join(", ")}, missing on this host`
          : undefined;
    if (!spec || refused !== undefined) {
      await this.finishRun(run, s, { status: "failed", error: refused ?? "the agent has no runnable spec" });
      return;
    }
    const team = agent ? await this.store.tenancy.getTeam(agent.team_id) : undefined;
    const pids = tierPolicy(team?.tier ?? "free").maxPids;
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
      await this.startTurn();
      const result = await runSession(this.driver, {
        spec,
        sessionId,
        state: { scope: s.id, name: sessionId },
        secrets,
        events: JSON.parse(s.initial_events) as unknown[],
        timeoutMs: s.timeout_ms,
        pids,
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
      if (!this.runsSessions()) {
        await this.finishRun({ ...run, attempt, started_at: startedAt }, s, {
          status: "failed",
          error: "interrupted: this control plane lost the runtime lease before the next attempt",
        });
        return;
      }
    }
  }

  /**
   * Resolves when this session may start: one start per turn of the event loop. Starting a
   * process blocks the loop while the kernel copies the control plane's page tables (tens of ms
   * under load), so a thousand sessions due at once start one at a time with requests served in
   * between, instead of in one burst that stalls the API for as long as all of them take.
   */
  private startTurn(): Promise<void> {
    return new Promise((resolve) => {
      this.startQueue.push(resolve);
      if (!this.pacing) this.nextStart();
    });
  }

  private nextStart(): void {
    const next = this.startQueue.shift();
    this.pacing = next !== undefined;
    if (!next) return;
    next();
    setImmediate(() => this.nextStart());
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
