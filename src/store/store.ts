/**
 * The state store: typed repositories over one Kysely handle. `transaction` hands the callback a
 * Store whose repositories all run inside the same database transaction.
 */
import { type Kysely, sql } from "kysely";
import type { Dialect, OpenedDb } from "./db.js";
import { AgentsRepo } from "./repos/agents.js";
import { BackupsRepo } from "./repos/backups.js";
import { DeploymentsRepo } from "./repos/deployments.js";
import { HistoryRepo } from "./repos/history.js";
import { LeasesRepo } from "./repos/leases.js";
import { OperationsRepo } from "./repos/operations.js";
import { RegistryCredentialsRepo } from "./repos/registry-credentials.js";
import { SchedulesRepo } from "./repos/schedules.js";
import { TemplatesRepo } from "./repos/templates.js";
import { TenancyRepo } from "./repos/tenancy.js";
import { RowCache } from "./row-cache.js";
import type { Database, DeploymentRow, TeamRow } from "./schema.js";
import { applyTransition, type StatusChange, type StatusChangeRequest } from "./transition.js";

const RECONCILE_CHANNEL = "berth_reconcile";

export class Store {
  readonly tenancy: TenancyRepo;
  readonly templates: TemplatesRepo;
  readonly agents: AgentsRepo;
  readonly deployments: DeploymentsRepo;
  readonly history: HistoryRepo;
  readonly operations: OperationsRepo;
  readonly schedules: SchedulesRepo;
  readonly backups: BackupsRepo;
  readonly leases: LeasesRepo;
  readonly registryCredentials: RegistryCredentialsRepo;

  /** Present on the root store of a SQLite database, which berth owns exclusively. */
  private readonly caches: { deployments: RowCache<DeploymentRow>; teams: RowCache<TeamRow> } | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly opened?: OpenedDb,
    private readonly inTransaction = false,
  ) {
    this.caches = opened?.sqlite ? { deployments: new RowCache(), teams: new RowCache() } : undefined;
    this.tenancy = new TenancyRepo(db, opened?.sqlite, this.caches?.teams);
    this.templates = new TemplatesRepo(db);
    this.agents = new AgentsRepo(db);
    this.deployments = new DeploymentsRepo(db, opened?.sqlite, this.caches?.deployments);
    this.history = new HistoryRepo(db);
    this.operations = new OperationsRepo(db);
    this.schedules = new SchedulesRepo(db);
    this.backups = new BackupsRepo(db);
    this.leases = new LeasesRepo(db);
    this.registryCredentials = new RegistryCredentialsRepo(db);
  }

  static fromOpened(opened: OpenedDb): Store {
    return new Store(opened.db, opened.dialect, opened);
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect, undefined, true)));
    } finally {
      this.caches?.deployments.clear();
      this.caches?.teams.clear();
    }
  }

  /**
   * Changes a deployment's status through the lifecycle (see transition.ts): the only status write
   * after insert. Joins the caller's transaction when called on a transaction store.
   */
  transition(req: StatusChangeRequest): Promise<StatusChange> {
    return this.inTransaction
      ? applyTransition(this, req)
      : this.transaction((tx) => applyTransition(tx, req));
  }

  /**
   * Asks every control plane on this store to reconcile deployment `id` (PostgreSQL NOTIFY on
   * `berth_reconcile`); a no-op on SQLite, which one control plane owns.
   */
  async notifyReconcile(id: string): Promise<void> {
    if (this.dialect !== "postgres") return;
    await sql`SELECT pg_notify(${RECONCILE_CHANNEL}, ${id})`.execute(this.db);
  }

  /** Calls `fn` with each id another control plane asked to reconcile; returns the unsubscribe. */
  onReconcileRequest(fn: (id: string) => void): () => Promise<void> {
    const listen = this.opened?.listen;
    if (!listen) return async () => undefined;
    return listen(RECONCILE_CHANNEL, fn);
  }

  async close(): Promise<void> {
    await this.opened?.close();
  }
}
