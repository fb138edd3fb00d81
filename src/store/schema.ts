/**
 * Table types for Kysely. Portable across SQLite and PostgreSQL: ids are text (UUIDv7, so ordering
 * by id is ordering by creation), timestamps are ISO-8601 text, booleans are 0/1 integers, JSON is text.
 */
import type { Insertable, Selectable, Updateable } from "kysely";

export interface TeamTable {
  id: string;
  name: string;
  tier: string;
  created_at: string;
  updated_at: string;
}

export interface UserTable {
  id: string;
  email: string;
  name: string;
  created_at: string;
}

export interface TeamMemberTable {
  team_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  team_id: string | null;
  user_id: string | null;
  scopes: string;
  hash: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TemplateTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  owner_team_id: string | null;
  kind: string;
  status: string;
  latest_revision: number;
  forked_from: string | null;
  created_at: string;
  updated_at: string;
}

export interface TemplateRevisionTable {
  template_id: string;
  revision: number;
  config: string;
  config_hash: string;
  created_by: string | null;
  created_at: string;
}

export interface AgentTable {
  id: string;
  team_id: string;
  name: string;
  version: number;
  spec: string;
  status: string;
  last_heartbeat_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * A namespace incarnation: the name is reusable once the namespace is deleted, the id never is.
 * Everything a namespace owns (volumes, backups, their keys, the operation lock) is keyed by the id,
 * so nothing passes to a later namespace of the same name, whoever creates it.
 */
export interface NamespaceTable {
  id: string;
  name: string;
  team_id: string;
  current_deployment_id: string | null;
  created_at: string;
}

export interface DeploymentTable {
  id: string;
  name: string;
  namespace: string;
  /** The namespace incarnation (`namespaces.id`) this deployment belongs to. */
  namespace_id: string;
  team_id: string;
  created_by: string | null;
  source_type: string;
  /** The linked template (by id: a slug can be deleted and taken by another team). */
  template_id: string | null;
  template_slug: string | null;
  template_revision: number | null;
  image: string | null;
  agent_id: string | null;
  config_snapshot: string;
  config_hash: string;
  manifest_revision: number;
  visibility: string;
  replicas: number;
  auto_update_enabled: number;
  auto_update_strategy: string;
  status: string;
  status_reason: string | null;
  last_error: string | null;
  restart_generation: number;
  is_current: number;
  idle_timeout_ms: number | null;
  last_active_at: string | null;
  /** Set when deletion is requested: `purge` removes the record, `retain` keeps it as destroyed. */
  delete_mode: string | null;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
  archived_at: string | null;
}

export interface DeploymentEnvTable {
  deployment_id: string;
  ciphertext: string;
  updated_at: string;
}

export interface WorkloadTable {
  deployment_id: string;
  name: string;
  kind: string;
  position: number;
  desired_replicas: number;
  pvc_name: string;
  updated_at: string;
}

export interface DeploymentEventTable {
  id: string;
  deployment_id: string;
  type: string;
  from_status: string | null;
  to_status: string | null;
  message: string;
  actor: string | null;
  created_at: string;
}

export interface RuntimeEventTable {
  id: string;
  deployment_id: string;
  workload: string;
  type: string;
  reason: string;
  message: string;
  object: string;
  count: number;
  first_seen: string;
  last_seen: string;
}

export interface DeploymentRevisionTable {
  deployment_id: string;
  revision: number;
  reason: string;
  message: string;
  config_hash: string;
  config_snapshot: string;
  actor: string | null;
  created_at: string;
}

export interface BillingEventTable {
  id: string;
  team_id: string;
  type: string;
  deployment_id: string | null;
  data: string;
  created_at: string;
}

export interface OperationTable {
  id: string;
  namespace: string;
  deployment_id: string;
  kind: string;
  phase: string;
  status: string;
  payload: string;
  error: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface EnvironmentTable {
  id: string;
  team_id: string;
  name: string;
  description: string;
  config: string;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface VaultTable {
  id: string;
  team_id: string;
  name: string;
  ciphertext: string;
  secret_names: string;
  created_at: string;
  updated_at: string;
}

export interface ScheduleTable {
  id: string;
  team_id: string;
  agent_id: string;
  agent_version: number;
  environment_id: string;
  name: string;
  description: string;
  initial_events: string;
  max_concurrent: number;
  max_retries: number;
  timeout_ms: number;
  pause_after_failures: number;
  session_strategy: string;
  session_id: string | null;
  cron_expression: string;
  timezone: string;
  status: string;
  paused_reason: string | null;
  archived_at: string | null;
  consecutive_failures: number;
  total_failures: number;
  total_runs: number;
  last_triggered_at: string | null;
  last_run_at: string | null;
  next_trigger_at: string | null;
  resources: string;
  vault_ids: string;
  metadata: string;
  created_at: string;
  updated_at: string;
}

export interface ScheduleRunTable {
  id: string;
  schedule_id: string;
  fire_time: string;
  /** When the run is for: its fire time (cron) or when it was requested (manual); history order. */
  scheduled_for: string;
  trigger: string;
  status: string;
  attempt: number;
  session_id: string | null;
  owner: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  output: string | null;
  error: string | null;
  created_at: string;
}

export interface IdempotencyKeyTable {
  team_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  response: string;
  created_at: string;
}

export interface BackupTable {
  id: string;
  deployment_id: string;
  team_id: string;
  namespace: string;
  namespace_id: string;
  agent_id: string;
  sandbox_name: string;
  pvc_name: string;
  driver: string;
  snapshot_name: string | null;
  object_key: string | null;
  status: string;
  phase: string;
  error: string | null;
  expires_at: string | null;
  bytes_done: number;
  total_bytes: number;
  checksum: string | null;
  key_id: string | null;
  wrapped_key: string | null;
  restore_status: string | null;
  created_at: string;
  updated_at: string;
}

/** A named lease one control plane holds at a time (renewed before `expires_at`). */
export interface LeaseTable {
  name: string;
  holder: string;
  acquired_at: string;
  expires_at: string;
}

/** A team's login to one container registry; `secret` is the password sealed by SecretBox. */
export interface RegistryCredentialTable {
  team_id: string;
  /** host[:port] as pull references name it (`docker.io` for Docker Hub). */
  registry: string;
  username: string;
  secret: string;
  created_at: string;
  updated_at: string;
}

export interface Database {
  leases: LeaseTable;
  registry_credentials: RegistryCredentialTable;
  backups: BackupTable;
  environments: EnvironmentTable;
  vaults: VaultTable;
  schedules: ScheduleTable;
  schedule_runs: ScheduleRunTable;
  idempotency_keys: IdempotencyKeyTable;
  operations: OperationTable;
  teams: TeamTable;
  users: UserTable;
  team_members: TeamMemberTable;
  api_keys: ApiKeyTable;
  templates: TemplateTable;
  template_revisions: TemplateRevisionTable;
  agents: AgentTable;
  namespaces: NamespaceTable;
  deployments: DeploymentTable;
  deployment_env: DeploymentEnvTable;
  workloads: WorkloadTable;
  deployment_events: DeploymentEventTable;
  runtime_events: RuntimeEventTable;
  deployment_revisions: DeploymentRevisionTable;
  billing_events: BillingEventTable;
}

export type TeamRow = Selectable<TeamTable>;
export type UserRow = Selectable<UserTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type TemplateRow = Selectable<TemplateTable>;
export type TemplateRevisionRow = Selectable<TemplateRevisionTable>;
export type AgentRow = Selectable<AgentTable>;
export type DeploymentRow = Selectable<DeploymentTable>;
export type NewDeployment = Insertable<DeploymentTable>;
export type DeploymentUpdate = Updateable<DeploymentTable>;
export type WorkloadRow = Selectable<WorkloadTable>;
export type DeploymentEventRow = Selectable<DeploymentEventTable>;
export type RuntimeEventRow = Selectable<RuntimeEventTable>;
export type DeploymentRevisionRow = Selectable<DeploymentRevisionTable>;
export type OperationRow = Selectable<OperationTable>;
export type EnvironmentRow = Selectable<EnvironmentTable>;
export type VaultRow = Selectable<VaultTable>;
export type ScheduleRow = Selectable<ScheduleTable>;
export type ScheduleRunRow = Selectable<ScheduleRunTable>;
export type BackupRow = Selectable<BackupTable>;
export type LeaseRow = Selectable<LeaseTable>;
export type RegistryCredentialRow = Selectable<RegistryCredentialTable>;
