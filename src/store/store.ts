/**
 * The state store: typed repositories over one Kysely handle. `transaction` hands the callback a
 * Store whose repositories all run inside the same database transaction.
 */
import type { Kysely } from "kysely";
import type { Dialect, OpenedDb } from "./db.js";
import { AgentsRepo } from "./repos/agents.js";
import { DeploymentsRepo } from "./repos/deployments.js";
import { HistoryRepo } from "./repos/history.js";
import { TemplatesRepo } from "./repos/templates.js";
import { TenancyRepo } from "./repos/tenancy.js";
import type { Database } from "./schema.js";

export class Store {
  readonly tenancy: TenancyRepo;
  readonly templates: TemplatesRepo;
  readonly agents: AgentsRepo;
  readonly deployments: DeploymentsRepo;
  readonly history: HistoryRepo;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly opened?: OpenedDb,
  ) {
    this.tenancy = new TenancyRepo(db);
    this.templates = new TemplatesRepo(db);
    this.agents = new AgentsRepo(db);
    this.deployments = new DeploymentsRepo(db, opened?.sqlite);
    this.history = new HistoryRepo(db);
  }

  static fromOpened(opened: OpenedDb): Store {
    return new Store(opened.db, opened.dialect, opened);
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect)));
  }

  async close(): Promise<void> {
    await this.opened?.close();
  }
}
