/**
 * The one place the local runtime starts a tenant process (a workload replica or a scheduled
 * session): detached into a process group of its own, so stopping it signals the whole tree, with
 * exactly the env it is given (nothing of the control plane's own environment). Isolation of tenant
 * processes (a sandbox around the command) belongs here, so replicas and sessions both get it.
 */
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";

export interface TenantProcess {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Working directory: the workload's volume or the session's state directory. */
  cwd: string;
  stdio: StdioOptions;
}

/** Starts the process; may throw synchronously, and reports a failed exec as an `error` event. */
export function spawnTenant(p: TenantProcess): ChildProcess {
  return spawn(p.command, p.args, { cwd: p.cwd, env: p.env, detached: true, stdio: p.stdio });
}
