/**
 * The one place the local runtime starts a tenant process (a workload replica or a scheduled
 * session), with exactly the env it is given (nothing of the control plane's own environment):
 * in the sandbox (sandbox.ts: bubblewrap, its own network, cgroup limits) when the driver runs
 * sandboxed, else as a plain child detached into a process group of its own, so stopping it
 * signals the whole tree. Replicas and sessions both come through here, so both get the sandbox.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { CgroupLimits } from "./cgroups.js";
import { launchSandbox, type SandboxHost, type SandboxSpec } from "./sandbox.js";

export interface TenantProcess {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** The host directory it works in: the workload's volume or the session's state directory. */
  cwd: string;
  stdin: "ignore" | "pipe";
  /** Where stdout and stderr go: an open file descriptor, or pipes. */
  output: number | "pipe";
}

/** Where the driver's sandboxes run, and berth's public port reachable inside them. */
export type TenantSandbox = SandboxHost & { apiPort(): number | undefined };

/** What the sandbox of one process start needs beyond the process itself. */
export interface SandboxPlacement {
  host: TenantSandbox;
  /** Unique per start (sandboxIdOf); names its network namespace and cgroup. */
  id: string;
  /** Where the process sees `cwd` (bound read-write). */
  mountPath: string;
  readOnlyPaths: string[];
  /** Port reachable at the sandbox's address (its loopback inside), or null. */
  port: number | null;
  limits: CgroupLimits;
  /** As SandboxSpec.network; `prepared` needs a network made ahead for `id` and `port`. */
  network?: SandboxSpec["network"];
  /** As SandboxSpec.launcher: one started ahead with the network. */
  launcher?: SandboxSpec["launcher"];
}

/** Starts an unsandboxed process; may throw synchronously, and reports a failed exec as an `error` event. */
export function spawnTenant(p: TenantProcess): ChildProcess {
  return spawn(p.command, p.args, {
    cwd: p.cwd,
    env: p.env,
    detached: true,
    stdio: [p.stdin, p.output, p.output],
  });
}

/**
 * Starts the process in its sandbox; resolves once it runs (with its network up unless
 * `network: "concurrent"`), rejects when it cannot start. Call releaseSandbox after it exited.
 */
export function launchSandboxedTenant(p: TenantProcess, s: SandboxPlacement): Promise<ChildProcess> {
  return launchSandbox(s.host, {
    id: s.id,
    command: p.command,
    args: p.args,
    env: p.env,
    volume: { hostDir: p.cwd, mountPath: s.mountPath },
    readOnlyPaths: s.readOnlyPaths,
    port: s.port,
    limits: s.limits,
    apiPort: s.host.apiPort(),
    network: s.network,
    launcher: s.launcher,
    stdin: p.stdin,
    output: p.output,
  });
}
