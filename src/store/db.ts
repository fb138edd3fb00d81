/**
 * Opens the state store: a SQLite file (better-sqlite3, WAL) for `sqlite:` URLs, PostgreSQL (pg
 * pool) for `postgres://` URLs. Both are driven through the same Kysely schema.
 */
import fs from "node:fs";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { migrateToLatest } from "./migrations.js";
import type { Database } from "./schema.js";

export type Dialect = "sqlite" | "postgres";

export interface OpenedDb {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The raw SQLite handle, for prepared statements on hot paths; undefined on PostgreSQL. */
  sqlite: SqliteDatabase.Database | undefined;
  /**
   * PostgreSQL only: calls `onMessage` with the payload of every NOTIFY on `channel` (from any
   * control plane) until the returned function is called. The listening connection is re-opened
   * after a failure; notifications sent while it was down are lost (callers keep a resync).
   */
  listen?(channel: string, onMessage: (payload: string) => void): () => Promise<void>;
  close(): Promise<void>;
}

export async function openDb(url: string): Promise<OpenedDb> {
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    // One control plane owns a SQLite file: exclusive locking makes a second one fail fast, and
    // spares every read the shared-memory lock syscalls (several-fold faster under load).
    sqlite.pragma("locking_mode = EXCLUSIVE");
    try {
      sqlite.pragma("journal_mode = WAL");
    } catch (err) {
      sqlite.close();
      if ((err as { code?: string }).code === "SQLITE_BUSY") {
        throw new Error(
          `the SQLite database ${file} is in use by another berth control plane; run several control planes on PostgreSQL (DATABASE_URL=postgres://…)`,
        );
      }
      throw err;
    }
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    await migrateToLatest(db);
    return { db, dialect: "sqlite", sqlite, close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection (server restart, failover) must not crash berth: the pool
  // drops that client and the next query opens a new connection.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db);
  return {
    db,
    dialect: "postgres",
    sqlite: undefined,
    listen: (channel, onMessage) => listenOn(url, channel, onMessage),
    close: () => db.destroy(),
  };
}

const RELISTEN_MS = 1_000;

/** One dedicated connection in LISTEN on `channel`, re-opened a second after it fails. */
function listenOn(url: string, channel: string, onMessage: (payload: string) => void): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const open = async () => {
    if (stopped) return;
    const c = new pg.Client({ connectionString: url });
    client = c;
    const again = () => {
      if (stopped || client !== c) return;
      client = undefined;
      c.end().catch(() => undefined);
      retry = setTimeout(() => void open(), RELISTEN_MS);
      retry.unref();
    };
    c.on("error", again);
    c.on("end", again);
    c.on("notification", (n) => {
      if (n.channel === channel) onMessage(n.payload ?? "");
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch {
      again();
    }
  };
  void open();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const c = client;
    client = undefined;
    await c?.end().catch(() => undefined);
  };
}

const STATEMENT_CACHE_MAX = 500;

/**
 * Kysely prepares every query it runs; preparing dominates cheap primary-key reads. Queries are
 * compiled to a small set of SQL strings, so their prepared statements are cached and reused
 * (safe: Kysely runs each statement to completion synchronously).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== "prepare") {
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (source: string) => {
        let stmt = cache.get(source);
        if (!stmt) {
          if (cache.size >= STATEMENT_CACHE_MAX) cache.delete(cache.keys().next().value!);
          stmt = target.prepare(source);
          cache.set(source, stmt);
        }
        return stmt;
      };
    },
  });
}
