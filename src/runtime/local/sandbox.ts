/**
 * The sandbox every tenant process of the local runtime starts in (replicas and scheduled
 * sessions alike): one function, `launchSandbox`, builds it from well-kept tools.
 *
 * - cgroups (cgroups.ts): memory, CFS CPU quota and a pids limit; the launcher joins them before it
 *   execs anything, so every process of the tenant is counted.
 * - network: a named network namespace (netns.ts: `ip netns add berth-<id>`, held open by this
 *   process until released) wired on the kernel's own path (sandbox-network.ts): a veth pair and a
 *   /31 from BERTH_SANDBOX_SUBNET, routing and NAT by nftables. The ingress reaches the replica at
 *   <sandbox address>:<port>, DNATed inside to its loopback (so programs that listen on 127.0.0.1
 *   are reachable); berth's public port is at 127.0.0.1:<apiPort> inside; outbound connections are
 *   masqueraded. Nothing else of the host (its loopback, its other addresses), no other sandbox and
 *   no container bridge is reachable. Made at launch or ahead of it (`prepareNetwork`,
 *   network-pool.ts).
 * - bubblewrap, started as uid 65534 (nsenter's `-S`/`-G`, which also clear the supplementary
 *   groups) so the kernel sees an unprivileged user outside the sandbox too: new user (nested ones disabled), PID, IPC, UTS and cgroup namespaces, no
 *   capabilities, no new privileges; `/usr`-style dirs and a few `/etc` entries (sandbox-etc.ts) read-only, its
 *   volume read-write at its mount path, its program's files read-only, a private /tmp, minimal
 *   /dev, its own /proc. Binds of berth's paths go through file descriptors opened as root (by berth,
 *   or by a launcher made ahead), so bubblewrap, unprivileged, never traverses berth's data dir.
 * - the launcher and nsenter (root) get a fixed env; the program's env reaches bubblewrap as
 *   `--setenv` options on a descriptor (`--args`), so nothing of the tenant's is in a root process.
 * - the process waits on `--block-fd` until its network is up, so its first outbound call works.
 *
 * Why a veth pair and not pasta or slirp4netns (measured on this machine, docs/sandbox.md): pasta
 * (Debian's 2023 build) copies every forwarded byte in user space and its TCP splice stalled for
 * minutes on large keep-alive transfers; slirp4netns forwards to the tap address only, so a
 * program listening on 127.0.0.1 is unreachable. The kernel's path has neither problem.
 */
import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cpuMillicores, memoryMi } from "../../domain/policy.js";
import {
  type CgroupLimits,
  cgroupLayout,
  cgroupProcs,
  createCgroup,
  oomKills,
  removeCgroup,
} from "./cgroups.js";
import { addNetns, deleteNetns, netnsPath } from "./netns.js";
import { sandboxEtc } from "./sandbox-etc.js";
import { releaseNetwork, setUpNetwork } from "./sandbox-network.js";

/** The uid and gid every sandboxed process runs as (`nobody`); volumes are owned by it. */
export const SANDBOX_UID = 65534;

/** Tools the sandbox is built from, by the Debian package that ships each. */
export const SANDBOX_TOOLS: Record<string, string> = {
  bwrap: "bubblewrap",
  ip: "iproute2",
  nft: "nftables",
  nsenter: "util-linux",
};

const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/**
 * The launcher: joins every cgroup named before `--` (writing `0`, itself: cgroups.ts says why), then runs the rest (arguments are never
 * interpreted) and waits for it. It stays as bubblewrap's parent, so `--die-with-parent` takes the
 * sandbox down when the launcher is killed, but not when berth exits (replicas are re-adopted).
 * The command runs in a subshell that leaves the volume dir first (so only the launcher is found
 * there) and execs; `exit $?` keeps the shell from exec'ing the command in its own place.
 */
const LAUNCHER =
  'for f do shift; [ "$f" = -- ] && break; echo 0 > "$f" || exit 125; done; (cd / && exec "$@"); exit $?';

/**
 * A launcher started ahead (`startLauncher`, with a network made ahead: network-pool.ts), so a
 * wake does not `spawn`: forking a control plane with a large heap blocks its event loop for
 * milliseconds (it copies the page tables: bench:sandbox-parts). It waits for the script of one
 * start on stdin (`launchSandbox` with `launcher`), then does what LAUNCHER does. The script is
 * berth's own, every value in it single-quoted (paths berth chose, the tenant's command and args);
 * the env reaches bubblewrap NUL-separated on fd 3 (`--args 3`, with its other options), so no
 * value of it is on a command line.
 * bash, not sh: the binds' descriptors may need numbers above 9.
 */
const WAITING_LAUNCHER = "IFS= read -r -d '' script; eval \"$script\"";
/** Where the launcher looks for its tools; nothing of a tenant's environment. */
const TOOL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface SandboxSpec {
  /** Unique per process start, [a-z0-9]; names the network namespace and the cgroup. */
  id: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** The volume: a host directory, bound read-write at `mountPath` (also the working directory). */
  volume: { hostDir: string; mountPath: string };
  /** Host paths the program needs, bound read-only at the same path. */
  readOnlyPaths: string[];
  /** Port the process listens on, reachable at the sandbox's address; null when it listens on none. */
  port: number | null;
  limits: CgroupLimits;
  /** berth's public port, reachable inside at 127.0.0.1:<apiPort>. */
  apiPort?: number;
  /**
   * `ready` (default): the program starts once its network is up, so its first outbound call works.
   * `concurrent`: it starts once its namespace's loopback and address are up, while its rules
   * are still being made (ms, less than a runtime's own boot); the start of a replica is then
   * delayed little by the network (wake latency), and its readiness probe only passes once the
   * rules are in anyway.
   * `prepared`: the network was made ahead for this id and port (`prepareNetwork`, the pool of
   * network-pool.ts); the program starts in it at once, with its network up.
   */
  network?: "ready" | "concurrent" | "prepared";
  stdin: "ignore" | "pipe";
  /** Where stdout and stderr go: an open file descriptor, or pipes. */
  output: number | "pipe";
  /**
   * A launcher started ahead (`startLauncher`; only with `network: "prepared"`): it becomes the
   * sandbox's launcher, and its output goes to `outputFile` (appended) instead of `output`.
   */
  launcher?: { child: ChildProcess; outputFile: string };
}

/** Where the sandbox keeps its small run files, and the pool its addresses come from. */
export interface SandboxHost {
  runDir: string;
  /** IPv4 CIDR of sandbox addresses (config BERTH_SANDBOX_SUBNET; default DEFAULT_SANDBOX_SUBNET). */
  subnet?: string;
}

/** Tools the sandbox needs that this host lacks (empty when it can sandbox). */
export function missingSandboxTools(pathEnv = process.env.PATH ?? "/usr/bin:/bin"): string[] {
  const dirs = [...pathEnv.split(":"), "/usr/sbin", "/sbin"];
  const missing = Object.keys(SANDBOX_TOOLS).filter(
    (tool) => !dirs.some((d) => d && isExecutable(path.join(d, tool))),
  );
  if (!cgroupLayout()) missing.push("cgroups (memory, cpu, pids controllers writable)");
  return missing;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** cgroup limits from a spec's `resources` (Kubernetes quantities) and a pids limit. */
export function limitsOf(
  resources: { cpu?: string; memory?: string } | undefined,
  pids: number,
): CgroupLimits {
  return {
    pids,
    memoryBytes: resources?.memory ? Math.round(memoryMi(resources.memory) * 1024 * 1024) : undefined,
    cpuMillicores: resources?.cpu ? cpuMillicores(resources.cpu) : undefined,
  };
}

/** The sandbox id of a process start, from its instance marker (a UUID). */
export const sandboxIdOf = (instance: string) => instance.replaceAll("-", "").slice(0, 16);

/** A fresh sandbox id: 16 hex digits, like those sandboxIdOf gives. */
export const newSandboxId = () => randomBytes(8).toString("hex");

/**
 * A fresh instance marker (UUID-shaped, the rest random) whose sandbox id is `id`: a process start
 * that takes a network made ahead for `id` keeps that name for its cgroup and its release.
 */
export function instanceFor(id: string): string {
  const r = randomBytes(8).toString("hex");
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${r.slice(0, 4)}-${r.slice(4)}`;
}

/** Makes the volume directory writable by the sandbox user (contents too, the first time). */
function ownVolume(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.statSync(dir).uid === SANDBOX_UID) return;
  const walk = (p: string) => {
    fs.lchownSync(p, SANDBOX_UID, SANDBOX_UID);
    if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(dir);
}

/** Binds for the host's system dirs: merged-/usr symlinks are recreated, real dirs bound read-only. */
function systemBinds(): string[] {
  const out: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) out.push("--symlink", fs.readlinkSync(dir), dir);
    else if (st.isDirectory()) out.push("--ro-bind", dir, dir);
  }
  return out;
}

function underSystemDir(p: string): boolean {
  return SYSTEM_DIRS.some((d) => p === d || p.startsWith(`${d}/`));
}

/** A host path the launcher opens (as root) at descriptor `fd`, bound at `sandboxPath`. */
interface Bind {
  fd: number;
  hostPath: string;
  sandboxPath: string;
}

/**
 * The binds of a start and their descriptors, from 5 up: the volume (read-write), then read-only
 * the sandbox's /etc first (so a program path under /etc is bound on top of it), then `roPaths`.
 */
function bindLayout(spec: SandboxSpec, roPaths: string[]): Bind[] {
  return [
    { hostPath: spec.volume.hostDir, sandboxPath: spec.volume.mountPath },
    { hostPath: sandboxEtc(), sandboxPath: "/etc" },
    ...roPaths.map((p) => ({ hostPath: p, sandboxPath: p })),
  ].map((b, i) => ({ ...b, fd: 5 + i }));
}

function bwrapArgs(
  spec: SandboxSpec,
  binds: Bind[],
  opts: { env?: Record<string, string>; blockFd?: number },
): string[] {
  const [volume, ...readOnly] = binds;
  const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["--setenv", k, v]);
  return [
    ...(opts.env ? ["--clearenv", ...env] : []),
    "--unshare-user",
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--disable-userns",
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "sandbox",
    ...systemBinds(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    ...readOnly.flatMap((r) => ["--ro-bind-fd", String(r.fd), r.sandboxPath]),
    "--bind-fd",
    String(volume!.fd),
    volume!.sandboxPath,
    "--chdir",
    spec.volume.mountPath,
    // The sandbox's own root (where bwrap made /etc, /data…) becomes read-only; /tmp and the volume stay writable.
    "--remount-ro",
    "/",
    ...(opts.blockFd === undefined ? [] : ["--block-fd", String(opts.blockFd)]),
    "--die-with-parent",
  ];
}

/**
 * Starts `spec.command` in a fresh sandbox and resolves once it runs with its network up. The
 * child's pid is the launcher's; killing its process group kills everything, `signalSandbox`
 * reaches only the tenant's processes. Call `releaseSandbox` after it exited. Throws (after cleaning up) when a
 * tool fails.
 */
export async function launchSandbox(host: SandboxHost, spec: SandboxSpec): Promise<ChildProcess> {
  const layout = cgroupLayout();
  if (!layout) throw new Error("cgroups are not available");
  let procs: string[];
  try {
    procs = createCgroup(layout, spec.id, spec.limits);
    ownVolume(spec.volume.hostDir);
    if (!isExecutable(spec.command))
      throw Object.assign(new Error(`spawn ${spec.command} ENOENT`), { code: "ENOENT" });
    if (spec.network !== "prepared") await addNetns(spec.id);
  } catch (err) {
    // Nothing of this start (its cgroup, a network and launcher made ahead for it) outlives the failure.
    if (spec.launcher) stopLauncher(spec.launcher.child);
    await releaseSandbox(host, spec.id);
    throw err;
  }
  const roPaths = [...new Set([spec.command, ...spec.readOnlyPaths].filter((p) => path.isAbsolute(p)))]
    .filter((p) => !underSystemDir(p) && fs.existsSync(p))
    .sort();
  if (spec.launcher) {
    try {
      return startIn(spec.launcher, spec, procs, roPaths);
    } catch (err) {
      stopLauncher(spec.launcher.child);
      await releaseSandbox(host, spec.id);
      throw err;
    }
  }
  const fds: number[] = [];
  let child: ChildProcess | undefined;
  try {
    const env = programEnv(spec);
    const binds = bindLayout(spec, roPaths);
    for (const b of binds) fds.push(fs.openSync(b.hostPath, "r"));
    // fd 3: the go once the network is up (--block-fd); fd 4: bubblewrap's options (--args);
    // then the binds' descriptors, in bindLayout's order.
    const stdio: StdioOptions = [spec.stdin, spec.output, spec.output, "pipe", "pipe", ...fds];
    child = spawn(
      "/bin/sh",
      [
        "-c",
        LAUNCHER,
        "berth-sandbox",
        ...procs,
        "--",
        tool("nsenter"),
        `--net=${netnsPath(spec.id)}`,
        // Drops to the sandbox user once in the network namespace (numeric ids: no user database
        // lookup), one exec fewer than setpriv; docs/sandbox.md says why setpriv's emptied
        // bounding set was no wall (a new user namespace resets it; bubblewrap empties it inside).
        `--setuid=${SANDBOX_UID}`,
        `--setgid=${SANDBOX_UID}`,
        "--",
        tool("bwrap"),
        "--args",
        "4",
        "--",
        spec.command,
        ...spec.args,
      ],
      {
        // The launcher starts in the volume (then leaves it), so tools that look for a workload's
        // processes by their working directory find exactly one per replica: the launcher.
        cwd: spec.volume.hostDir,
        // Never the tenant's env: the launcher and nsenter run as root (LD_PRELOAD, …).
        env: launcherEnv(spec.env.BERTH_INSTANCE),
        detached: true,
        stdio,
      },
    );
    for (const fd of fds.splice(0)) fs.closeSync(fd);
    child.stdio[3]?.on("error", () => undefined);
    child.stdio[4]?.on("error", () => undefined);
    (child.stdio[4] as NodeJS.WritableStream | null)?.end(
      nulSeparated(bwrapArgs(spec, binds, { env, blockFd: 3 })),
    );
    if (child.pid === undefined) {
      const err = await new Promise<Error>((resolve) => child!.once("error", resolve));
      throw err;
    }
    let released = false;
    const release = () => {
      if (!released) (child!.stdio[3] as NodeJS.WritableStream | null)?.end("go");
      released = true;
    };
    if (spec.network !== "prepared")
      await setUpNetwork({
        id: spec.id,
        runDir: host.runDir,
        subnet: host.subnet,
        port: spec.port,
        apiPort: spec.apiPort,
        // A program that binds its loopback at once needs it up; its rules follow while it boots.
        onAddressed: spec.network === "concurrent" ? release : undefined,
      });
    release();
    return child;
  } catch (err) {
    for (const fd of fds) fs.closeSync(fd);
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    await releaseSandbox(host, spec.id);
    throw err;
  }
}

/**
 * Starts a launcher that waits for its start (WAITING_LAUNCHER); kill its process group if unused.
 * `instance` is the marker (BERTH_INSTANCE) of the start it will make, in its own environment like a
 * launcher spawned at the start, so a control plane that dies before recording its pid finds it.
 */
export function startLauncher(instance?: string): ChildProcess {
  const child = spawn("/bin/bash", ["-c", WAITING_LAUNCHER, "berth-sandbox"], {
    cwd: "/",
    env: launcherEnv(instance),
    detached: true,
    stdio: ["pipe", "ignore", "ignore", "pipe"],
  });
  for (const s of [child.stdin, child.stdio[3]]) {
    s?.on("error", () => undefined);
    (s as unknown as { unref?: () => void } | null)?.unref?.();
  }
  child.unref();
  return child;
}

/** Ends a launcher from `startLauncher` that was never handed a start. */
export function stopLauncher(child: ChildProcess): void {
  if (child.pid === undefined || !launcherWaits(child)) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // gone
  }
}

/** True while a launcher from `startLauncher` still waits for its start. */
export function launcherWaits(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

const quote = (v: string) => `'${v.replaceAll("'", "'\\''")}'`;

/**
 * Hands a waiting launcher its start: the script (cgroups, output, the binds' descriptors opened as
 * root, then nsenter → bubblewrap as the sandbox user) on stdin, bubblewrap's arguments on fd 3.
 */
function startIn(
  launcher: NonNullable<SandboxSpec["launcher"]>,
  spec: SandboxSpec,
  procs: string[],
  roPaths: string[],
): ChildProcess {
  const { child, outputFile } = launcher;
  if (!launcherWaits(child)) throw new Error("the launcher made ahead is gone");
  const binds = bindLayout(spec, roPaths);
  const args = bwrapArgs(spec, binds, { env: programEnv(spec) });
  const script = [
    `exec 0</dev/null >>${quote(outputFile)} 2>&1`,
    ...procs.map((f) => `echo 0 > ${quote(f)} || exit 125`),
    `cd ${quote(spec.volume.hostDir)} || exit 125`,
    `exec ${binds.map((b) => `${b.fd}<${quote(b.hostPath)}`).join(" ")} || exit 125`,
    // bubblewrap takes options only from --args; the command follows on its command line.
    `(cd / && exec ${quote(tool("nsenter"))} --net=${quote(netnsPath(spec.id))} --setuid=${SANDBOX_UID} --setgid=${SANDBOX_UID} -- ${quote(tool("bwrap"))} --args 3 -- ${[spec.command, ...spec.args].map(quote).join(" ")}); exit $?`,
  ].join("\n");
  // The script only once bubblewrap's options are all written: a berth killed in between leaves a
  // launcher that reads end-of-file and exits, never a bubblewrap with part of its options.
  (child.stdio[3] as NodeJS.WritableStream).end(nulSeparated(args), () => child.stdin!.end(`${script}\0`));
  return child;
}

/**
 * The program's env, handed to bubblewrap as `--setenv` options on a descriptor (never to the
 * launcher, which runs as root). Throws on a NUL: it would split a value into more options.
 */
function programEnv(spec: SandboxSpec): Record<string, string> {
  const env = { ...spec.env, BERTH_VOLUME_DIR: spec.volume.mountPath, HOME: spec.volume.mountPath };
  if ([spec.command, ...spec.args, ...Object.entries(env).flat()].some((v) => v.includes("\0")))
    throw new Error("the command, an argument or an env value holds a NUL byte");
  return env;
}

/** The launcher's own env: the tool path, and the start's instance marker (proc.ts findByInstance). */
function launcherEnv(instance: string | undefined): Record<string, string> {
  return instance ? { PATH: TOOL_PATH, BERTH_INSTANCE: instance } : { PATH: TOOL_PATH };
}

const nulSeparated = (args: string[]) => `${args.join("\0")}\0`;

/** The absolute path of a sandbox tool (missingSandboxTools checked it is there). */
function tool(name: string): string {
  for (const d of TOOL_PATH.split(":")) if (isExecutable(path.join(d, name))) return path.join(d, name);
  return name;
}

/**
 * Makes a sandbox's network ahead of its process (sandbox-network.ts): the namespace, its veth
 * pair with `port` reachable at the sandbox's address, and berth's `apiPort` inside. `launchSandbox`
 * with `network: "prepared"` and the same id then starts in it; `releaseSandbox` undoes it.
 * Resolves to the address the sandbox is reached at.
 */
export async function prepareNetwork(
  host: SandboxHost,
  net: { id: string; port: number | null; apiPort?: number },
): Promise<string> {
  await addNetns(net.id);
  try {
    return (await setUpNetwork({ ...net, runDir: host.runDir, subnet: host.subnet })).address;
  } catch (err) {
    await deleteNetns(net.id);
    await releaseNetwork(host.runDir, net.id);
    throw err;
  }
}

/** True when the kernel killed a process of this sandbox for exceeding its memory limit. */
export function sandboxOomKilled(id: string): boolean {
  const layout = cgroupLayout();
  return layout ? oomKills(layout, id) > 0 : false;
}

/**
 * Sends `signal` to the tenant's processes: those of the sandbox's cgroup inside its own PID
 * namespace. The launcher and bubblewrap's monitor are left alone (a SIGTERM would kill them at once
 * and take the program down before it could finish); bubblewrap's init ignores it.
 */
export function signalSandbox(id: string, signal: NodeJS.Signals): void {
  const layout = cgroupLayout();
  if (!layout) return;
  const ours = fs.readlinkSync("/proc/self/ns/pid");
  for (const pid of cgroupProcs(layout, id)) {
    try {
      if (signal !== "SIGKILL" && fs.readlinkSync(`/proc/${pid}/ns/pid`) === ours) continue;
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Kills what is left of a sandbox, then removes its namespace (with its veth pair), its address and cgroups. Idempotent. */
export async function releaseSandbox(host: SandboxHost, id: string): Promise<void> {
  signalSandbox(id, "SIGKILL");
  await deleteNetns(id);
  await releaseNetwork(host.runDir, id);
  const layout = cgroupLayout();
  if (layout) {
    // The last process may take a moment to leave the group after its parent saw it exit.
    for (let i = 0; i < 50; i++) {
      removeCgroup(layout, id);
      if (!cgroupExists(id)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function cgroupExists(id: string): boolean {
  return ["/sys/fs/cgroup/berth", "/sys/fs/cgroup/memory/berth", "/sys/fs/cgroup/pids/berth"].some((d) =>
    fs.existsSync(path.join(d, id)),
  );
}
