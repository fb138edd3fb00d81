/**
 * Versioned migrations, applied in order at start by Kysely's Migrator (which records them in its
 * own table and takes a lock, so two control planes starting together migrate once).
 * Only portable column types are used so SQLite and PostgreSQL share one definition.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("teams")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("tier", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("users")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("email", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("team_members")
      .addColumn("team_id", "text", (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("team_members_pk", ["team_id", "user_id"])
      .execute();
    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("team_id", "text", (c) => c.references("teams.id").onDelete("cascade"))
      .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
      .addColumn("scopes", "text", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull().unique())
      .addColumn("prefix", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("last_used_at", "text")
      .addColumn("revoked_at", "text")
      .execute();
    await db.schema
      .createTable("templates")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("owner_team_id", "text", (c) => c.references("teams.id").onDelete("set null"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("latest_revision", "integer", (c) => c.notNull())
      .addColumn("forked_from", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("template_revisions")
      .addColumn("template_id", "text", (c) => c.notNull().references("templates.id").onDelete("cascade"))
      .addColumn("revision", "integer", (c) => c.notNull())
      .addColumn("config", "text", (c) => c.notNull())
      .addColumn("config_hash", "text", (c) => c.notNull())
      .addColumn("created_by", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("template_revisions_pk", ["template_id", "revision"])
      .execute();
    await db.schema
      .createTable("agents")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("team_id", "text", (c) => c.notNull().references("teams.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("spec", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("last_heartbeat_at", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("namespaces")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("current_deployment_id", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("deployments")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("namespace", "text", (c) => c.notNull())
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("created_by", "text")
      .addColumn("source_type", "text", (c) => c.notNull())
      .addColumn("template_slug", "text")
      .addColumn("template_revision", "integer")
      .addColumn("image", "text")
      .addColumn("agent_id", "text")
      .addColumn("config_snapshot", "text", (c) => c.notNull())
      .addColumn("config_hash", "text", (c) => c.notNull())
      .addColumn("manifest_revision", "integer", (c) => c.notNull())
      .addColumn("visibility", "text", (c) => c.notNull())
      .addColumn("replicas", "integer", (c) => c.notNull())
      .addColumn("auto_update_enabled", "integer", (c) => c.notNull())
      .addColumn("auto_update_strategy", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_reason", "text")
      .addColumn("last_error", "text")
      .addColumn("restart_generation", "integer", (c) => c.notNull())
      .addColumn("is_current", "integer", (c) => c.notNull())
      .addColumn("idle_timeout_ms", "integer")
      .addColumn("delete_mode", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("ended_at", "text")
      .addColumn("archived_at", "text")
      .execute();
    await db.schema.createIndex("deployments_team").on("deployments").columns(["team_id", "id"]).execute();
    await db.schema.createIndex("deployments_agent").on("deployments").columns(["agent_id"]).execute();
    await db.schema
      .createIndex("deployments_template")
      .on("deployments")
      .columns(["template_slug"])
      .execute();
    await db.schema
      .createTable("deployment_env")
      .addColumn("deployment_id", "text", (c) => c.primaryKey())
      .addColumn("ciphertext", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("workloads")
      .addColumn("deployment_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("desired_replicas", "integer", (c) => c.notNull())
      .addColumn("pvc_name", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("workloads_pk", ["deployment_id", "name"])
      .execute();
    await db.schema
      .createTable("deployment_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("deployment_id", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("from_status", "text")
      .addColumn("to_status", "text")
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("actor", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("deployment_events_dep")
      .on("deployment_events")
      .columns(["deployment_id", "id"])
      .execute();
    await db.schema
      .createTable("runtime_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("deployment_id", "text", (c) => c.notNull())
      .addColumn("workload", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("object", "text", (c) => c.notNull())
      .addColumn("count", "integer", (c) => c.notNull())
      .addColumn("first_seen", "text", (c) => c.notNull())
      .addColumn("last_seen", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("runtime_events_dep")
      .on("runtime_events")
      .columns(["deployment_id", "last_seen"])
      .execute();
    await db.schema
      .createTable("deployment_revisions")
      .addColumn("deployment_id", "text", (c) => c.notNull())
      .addColumn("revision", "integer", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("config_hash", "text", (c) => c.notNull())
      .addColumn("config_snapshot", "text", (c) => c.notNull())
      .addColumn("actor", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("deployment_revisions_pk", ["deployment_id", "revision"])
      .execute();
    await db.schema
      .createTable("billing_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("deployment_id", "text")
      .addColumn("data", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await sql`select 1`.execute(db);
  },
};

/** Durable operations with a lease; at most one running operation per namespace (the lock). */
const operations: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("operations")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("namespace", "text", (c) => c.notNull())
      .addColumn("deployment_id", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("phase", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("lease_owner", "text")
      .addColumn("lease_expires_at", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("operations_one_running_per_namespace")
      .on("operations")
      .column("namespace")
      .unique()
      .where(sql.ref("status"), "=", "running")
      .execute();
    await db.schema.alterTable("deployments").addColumn("last_active_at", "text").execute();
    await db.schema
      .createIndex("deployments_namespace")
      .on("deployments")
      .columns(["namespace", "is_current"])
      .execute();
  },
};

/** Scheduled agent deployments (seed 003): schedules, runs (one per fire time), environments, vaults. */
const schedules: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("environments")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("config", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("archived_at", "text")
      .execute();
    await db.schema
      .createTable("vaults")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("ciphertext", "text", (c) => c.notNull())
      .addColumn("secret_names", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("schedules")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("agent_id", "text", (c) => c.notNull())
      .addColumn("agent_version", "integer", (c) => c.notNull())
      .addColumn("environment_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("initial_events", "text", (c) => c.notNull())
      .addColumn("max_concurrent", "integer", (c) => c.notNull())
      .addColumn("max_retries", "integer", (c) => c.notNull())
      .addColumn("timeout_ms", "integer", (c) => c.notNull())
      .addColumn("pause_after_failures", "integer", (c) => c.notNull())
      .addColumn("session_strategy", "text", (c) => c.notNull())
      .addColumn("session_id", "text")
      .addColumn("cron_expression", "text", (c) => c.notNull())
      .addColumn("timezone", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("paused_reason", "text")
      .addColumn("archived_at", "text")
      .addColumn("consecutive_failures", "integer", (c) => c.notNull())
      .addColumn("total_failures", "integer", (c) => c.notNull())
      .addColumn("total_runs", "integer", (c) => c.notNull())
      .addColumn("last_triggered_at", "text")
      .addColumn("last_run_at", "text")
      .addColumn("next_trigger_at", "text")
      .addColumn("resources", "text", (c) => c.notNull())
      .addColumn("vault_ids", "text", (c) => c.notNull())
      .addColumn("metadata", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("schedules_due")
      .on("schedules")
      .columns(["status", "next_trigger_at"])
      .execute();
    await db.schema
      .createTable("schedule_runs")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("schedule_id", "text", (c) => c.notNull())
      .addColumn("fire_time", "text", (c) => c.notNull())
      .addColumn("trigger", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("attempt", "integer", (c) => c.notNull())
      .addColumn("session_id", "text")
      .addColumn("owner", "text")
      .addColumn("started_at", "text")
      .addColumn("ended_at", "text")
      .addColumn("duration_ms", "integer")
      .addColumn("exit_code", "integer")
      .addColumn("output", "text")
      .addColumn("error", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addUniqueConstraint("schedule_runs_once_per_fire_time", ["schedule_id", "fire_time"])
      .execute();
    await db.schema
      .createTable("idempotency_keys")
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("request_hash", "text", (c) => c.notNull())
      .addColumn("status_code", "integer", (c) => c.notNull())
      .addColumn("response", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("idempotency_keys_pk", ["team_id", "key"])
      .execute();
  },
};

/** State backups of deployments' volumes (seed 000), with their phases and artifacts. */
const backups: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("backups")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("deployment_id", "text", (c) => c.notNull())
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("namespace", "text", (c) => c.notNull())
      .addColumn("agent_id", "text", (c) => c.notNull())
      .addColumn("sandbox_name", "text", (c) => c.notNull())
      .addColumn("pvc_name", "text", (c) => c.notNull())
      .addColumn("driver", "text", (c) => c.notNull())
      .addColumn("snapshot_name", "text")
      .addColumn("object_key", "text")
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("phase", "text", (c) => c.notNull())
      .addColumn("error", "text")
      .addColumn("expires_at", "text")
      .addColumn("bytes_done", "integer", (c) => c.notNull())
      .addColumn("total_bytes", "integer", (c) => c.notNull())
      .addColumn("checksum", "text")
      .addColumn("key_id", "text")
      .addColumn("wrapped_key", "text")
      .addColumn("restore_status", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("backups_deployment")
      .on("backups")
      .columns(["deployment_id", "id"])
      .execute();
  },
};

/**
 * Run history is ordered by the time a run is for, whatever triggered it: a manual run's fire time
 * is a unique token (`manual:<id>`), so ordering by fire time put manual runs above newer cron runs.
 */
const runOrder: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("schedule_runs").addColumn("scheduled_for", "text").execute();
    await db
      .updateTable("schedule_runs")
      .set({
        scheduled_for: sql`case when ${sql.ref("trigger")} = 'manual' then ${sql.ref("created_at")} else ${sql.ref("fire_time")} end`,
      })
      .execute();
    await db.schema
      .createIndex("schedule_runs_history")
      .on("schedule_runs")
      .columns(["schedule_id", "scheduled_for", "id"])
      .execute();
  },
};

/**
 * Namespace incarnations (issue 13 §1): a namespace's name can be reused after it is deleted, so
 * its state is keyed by an id that never is. Existing namespaces keep their name as their id, so
 * their volumes, backups and backup keys (all derived from the name so far) keep working.
 * Deployments link their template by id, for the same reason (a deleted slug can be taken again).
 */
const namespaceIncarnations: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable("namespaces").addColumn("id", "text").execute();
    await db
      .updateTable("namespaces")
      .set({ id: sql`${sql.ref("name")}` })
      .execute();
    await db.schema.createIndex("namespaces_id").on("namespaces").column("id").unique().execute();
    await db.schema.alterTable("deployments").addColumn("namespace_id", "text").execute();
    await db
      .updateTable("deployments")
      .set({ namespace_id: sql`${sql.ref("namespace")}` })
      .execute();
    await db.schema
      .createIndex("deployments_namespace_id")
      .on("deployments")
      .columns(["namespace_id", "is_current"])
      .execute();
    await db.schema.alterTable("deployments").addColumn("template_id", "text").execute();
    await db
      .updateTable("deployments")
      .set({
        template_id: sql`(select ${sql.ref("templates.id")} from ${sql.table("templates")} where ${sql.ref("templates.slug")} = ${sql.ref("deployments.template_slug")})`,
      })
      .execute();
    await db.schema.createIndex("deployments_template_id").on("deployments").column("template_id").execute();
    await db.schema.alterTable("backups").addColumn("namespace_id", "text").execute();
    await db
      .updateTable("backups")
      .set({ namespace_id: sql`${sql.ref("namespace")}` })
      .execute();
    await db.schema
      .createIndex("backups_namespace_id")
      .on("backups")
      .columns(["namespace_id", "id"])
      .execute();
  },
};

/** Leases held by one control plane at a time: the local runtime's reconciler (issue 13 §8). */
const leases: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("leases")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("holder", "text", (c) => c.notNull())
      .addColumn("acquired_at", "text", (c) => c.notNull())
      .addColumn("expires_at", "text", (c) => c.notNull())
      .execute();
  },
};

/** Per-team container registry logins (issue 15), the password sealed like every secret. */
const registryCredentials: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable("registry_credentials")
      .addColumn("team_id", "text", (c) => c.notNull())
      .addColumn("registry", "text", (c) => c.notNull())
      .addColumn("username", "text", (c) => c.notNull())
      .addColumn("secret", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("registry_credentials_pk", ["team_id", "registry"])
      .execute();
  },
};

/**
 * The lease holder looks for runs handed off to it on every scheduler tick (`owner = 'handed-off'`,
 * engine/scheduler.ts); the index keeps that a lookup, however long the run history.
 */
const runOwner: Migration = {
  async up(db: AnyDb) {
    await db.schema.createIndex("schedule_runs_owner").on("schedule_runs").column("owner").execute();
  },
};

export const migrations: Record<string, Migration> = {
  "0001_initial": initial,
  "0002_operations": operations,
  "0003_schedules": schedules,
  "0004_backups": backups,
  "0005_run_order": runOrder,
  "0006_namespace_incarnations": namespaceIncarnations,
  "0007_leases": leases,
  "0008_registry_credentials": registryCredentials,
  "0009_run_owner": runOwner,
};

class StaticProvider implements MigrationProvider {
  async getMigrations() {
    return migrations;
  }
}

export async function migrateToLatest(db: AnyDb): Promise<void> {
  const migrator = new Migrator({ db, provider: new StaticProvider() });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ""} failed: ${String(error)}`);
  }
}
