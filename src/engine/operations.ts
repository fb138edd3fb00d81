/**
 * The operations runner: long operations (pause, resume, redeploy, later backup and restore) are
 * rows with a lease and a saved phase. Each kind's handler is written as idempotent steps that read
 * the saved phase, so a control plane that dies mid-operation is replaced by one that re-runs the
 * handler from that phase (`recover`). The row's unique running-per-namespace index is the lock.
 */
import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { BerthError } from "../domain/errors.js";
import { newId } from "../domain/ids.js";
import type { OperationRow } from "../store/schema.js";
import type { Store } from "../store/store.js";
import { type Clock, every } from "../util/clock.js";

export interface OperationContext {
  op: OperationRow;
  /** Saves the phase reached (and optionally new payload) before the next step begins. */
  phase(phase: string, payload?: unknown): Promise<void>;
  payload<T>(): T;
}

export type OperationHandler = (ctx: OperationContext) => Promise<void>;

/** How long an operation's lease lasts without renewal (ms) unless the runner is given another. */
export const OPERATION_LEASE_MS = 30_000;

export class OperationRunner {
  readonly owner = `cp-${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly handlers = new Map<string, OperationHandler>();
  private readonly inFlight = new Map<string, Promise<OperationRow>>();
  private stopRenewal: (() => void) | undefined;
  private stopRecovery: (() => void) | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Lease of a running operation (ms); renewed every third of it while this runner lives. */
    private readonly leaseMs = OPERATION_LEASE_MS,
  ) {}

  register(kind: string, handler: OperationHandler): void {
    this.handlers.set(kind, handler);
  }

  private leaseUntil(): string {
    return new Date(this.clock.now().getTime() + this.leaseMs).toISOString();
  }

  /**
   * Takes the namespace lock (CONFLICT when held) and runs the operation to its end. `prepare` runs
   * under the lock before the handler; if it throws, the operation fails and the lock is released.
   */
  async start(
    input: { kind: string; namespace: string; deploymentId: string; phase: string; payload?: unknown },
    prepare?: (ctx: OperationContext) => Promise<void>,
  ) {
    const at = this.clock.now().toISOString();
    const row: OperationRow = {
      id: newId(),
      namespace: input.namespace,
      deployment_id: input.deploymentId,
      kind: input.kind,
      phase: input.phase,
      status: "running",
      payload: JSON.stringify(input.payload ?? {}),
      error: null,
      lease_owner: this.owner,
      lease_expires_at: this.leaseUntil(),
      created_at: at,
      updated_at: at,
    };
    await this.store.operations.start(row);
    return { op: row, done: this.execute(row, prepare) };
  }

  private execute(
    row: OperationRow,
    prepare?: (ctx: OperationContext) => Promise<void>,
  ): Promise<OperationRow> {
    const existing = this.inFlight.get(row.id);
    if (existing) return existing;
    const run = this.runHandler(row, prepare).finally(() => this.inFlight.delete(row.id));
    this.inFlight.set(row.id, run);
    return run;
  }

  private async runHandler(
    row: OperationRow,
    prepare?: (ctx: OperationContext) => Promise<void>,
  ): Promise<OperationRow> {
    const handler = this.handlers.get(row.kind);
    let current = row;
    const ctx: OperationContext = {
      get op() {
        return current;
      },
      phase: async (phase, payload) => {
        const at = this.clock.now().toISOString();
        const json = payload === undefined ? undefined : JSON.stringify(payload);
        await this.store.operations.setPhase(row.id, phase, at, json);
        current = { ...current, phase, payload: json ?? current.payload, updated_at: at };
      },
      payload: <T>() => JSON.parse(current.payload) as T,
    };
    try {
      if (!handler) throw new Error(`no handler for operation kind ${row.kind}`);
      if (prepare) await prepare(ctx);
      await handler(ctx);
      await this.store.operations.finish(row.id, "succeeded", null, this.clock.now().toISOString());
      return { ...current, status: "succeeded", phase: "completed" };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof BerthError))
        this.log.error({ err, operation: row.id, kind: row.kind }, "operation failed");
      await this.store.operations.finish(row.id, "failed", message, this.clock.now().toISOString());
      throw err;
    }
  }

  /**
   * Re-runs operations whose control plane died: those with an expired lease, or — when this
   * control plane owns the database exclusively (SQLite) — every running one.
   */
  async recover(opts: { exclusive: boolean }): Promise<void> {
    const now = opts.exclusive ? "9999-12-31T23:59:59.999Z" : this.clock.now().toISOString();
    for (const op of await this.store.operations.running()) {
      if (!(await this.store.operations.claim(op.id, this.owner, this.leaseUntil(), now))) continue;
      this.log.warn(
        { operation: op.id, kind: op.kind, phase: op.phase },
        "resuming an interrupted operation",
      );
      this.execute({ ...op, lease_owner: this.owner }).catch(() => undefined);
    }
  }

  startRenewal(): void {
    this.stopRenewal = every(this.clock, this.leaseMs / 3, () => {
      this.store.operations.renew(this.owner, this.leaseUntil()).catch(() => undefined);
    });
  }

  /**
   * Several control planes on a shared runtime: every third of the lease, take over the operations
   * whose control plane stopped renewing (died), so one killed mid-operation is replaced within
   * the lease time. `claim` is a conditional write: exactly one control plane wins each operation.
   */
  startRecovery(): void {
    this.stopRecovery = every(this.clock, this.leaseMs / 3, () => {
      this.recover({ exclusive: false }).catch((err) =>
        this.log.warn({ err }, "could not look for interrupted operations"),
      );
    });
  }

  /** Stops renewing leases; operations still in flight are taken over by the next control plane. */
  stop(): void {
    this.stopRenewal?.();
    this.stopRecovery?.();
  }
}
