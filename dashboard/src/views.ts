/**
 * Shapes the dashboard reads from answers whose response schema the served document does not
 * declare yet (the SDK types those as loose JSON). Each is a subset of what berth answers; when a
 * route gains its schema, the SDK's own type takes over and these casts stay compatible.
 */
export interface TemplateView {
  slug: string;
  name: string;
  description: string;
  kind: string;
  status: string;
  latestRevision: number;
  forkedFrom: string | null;
}

export interface EnvVarView {
  name: string;
  default?: string | null;
  required: boolean;
  secret: boolean;
  description?: string | null;
}

export interface TemplateDetailView extends TemplateView {
  revisions: {
    revision: number;
    createdAt: string;
    config: { workloads: unknown[]; envVars: EnvVarView[] };
  }[];
}

export interface AgentView {
  id: string;
  name: string;
  status: string;
  lastHeartbeatAt: string | null;
  spec: { image?: string; command?: string };
}

export interface KeyView {
  id: string;
  name: string;
  /** First 12 hex digits of the key's SHA-256 (no character of the key itself is shown). */
  fingerprint: string;
  scopes: string[];
  createdAt: string;
}

export interface ScheduleView {
  id: string;
  name: string;
  status: "active" | "paused";
  paused_reason: string | null;
  archived_at: string | null;
  schedule: { expression: string; timezone: string; upcoming_runs_at: string[] };
}

export interface RunView {
  id: string;
  status: string;
  trigger: string;
  scheduled_for: string;
  attempt: number;
  duration_ms: number | null;
  exit_code: number | null;
  output: string | null;
  error: string | null;
}
