/**
 * cgroup limits and accounting for one sandbox: a group per sandbox under `berth/` in each
 * controller (cgroup v1: `memory`, `cpu`, `cpuacct`, `pids` hierarchies under /sys/fs/cgroup; v2:
 * one unified hierarchy where `/sys/fs/cgroup/cgroup.controllers` exists). A process joins by
 * writing `0` (itself) into every join file `createCgroup` returns before it execs the sandbox, so
 * nothing it forks escapes the limits. Invariant: a group is only removed when no process is left in it.
 *
 * Why v1 joins through `tasks`: a write to `cgroup.procs` takes the kernel's global
 * threadgroup lock for writing, which waits for an RCU grace period when no other migration
 * happened in the last few ms — 12–18 ms on this machine kind, paid by every wake (a sandbox
 * starts after an idle pause). Writing `0` to `tasks` moves only the writing thread and, since
 * Linux 6.1 (cgroup_procs_write_start), skips that lock: 0.1 ms. The launcher is a single-threaded
 * shell, so moving its one thread moves the whole process. v2 has no `tasks` file (hosts that want
 * the same speed mount cgroup2 with `favordynmods`).
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = "/sys/fs/cgroup";
const CFS_PERIOD_US = 100_000;

export interface CgroupLimits {
  memoryBytes?: number;
  cpuMillicores?: number;
  pids: number;
}

export interface CgroupUsage {
  cpuSeconds: number;
  memoryBytes: number;
}

type Layout =
  | { version: 2 }
  | { version: 1; dirs: { memory: string; cpu: string; cpuacct: string; pids: string } };

let cachedLayout: Layout | undefined | null = null;

/** Which cgroup layout this host has, or undefined when the controllers berth needs are not writable. */
export function cgroupLayout(): Layout | undefined {
  if (cachedLayout !== null) return cachedLayout;
  cachedLayout = detect();
  return cachedLayout;
}

function detect(): Layout | undefined {
  if (fs.existsSync(path.join(ROOT, "cgroup.controllers"))) {
    const have = fs.readFileSync(path.join(ROOT, "cgroup.controllers"), "utf8").split(/\s+/);
    return ["memory", "cpu", "pids"].every((c) => have.includes(c)) ? { version: 2 } : undefined;
  }
  const dirs = {
    memory: path.join(ROOT, "memory"),
    cpu: path.join(ROOT, "cpu"),
    cpuacct: path.join(ROOT, "cpuacct"),
    pids: path.join(ROOT, "pids"),
  };
  const writable = Object.values(dirs).every((d) => {
    try {
      fs.accessSync(path.join(d, "cgroup.procs"), fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  });
  return writable ? { version: 1, dirs } : undefined;
}

function groupDirs(layout: Layout, name: string): string[] {
  if (layout.version === 2) return [path.join(ROOT, "berth", name)];
  return [...new Set(Object.values(layout.dirs))].map((d) => path.join(d, "berth", name));
}

function write(file: string, value: string): void {
  fs.writeFileSync(file, value);
}

/**
 * Creates (or empties and reuses) the sandbox's groups with the given limits and returns the files
 * a single-threaded process writes `0` into to join them (v1 `tasks`, v2 `cgroup.procs`).
 */
export function createCgroup(layout: Layout, name: string, limits: CgroupLimits): string[] {
  if (layout.version === 2) {
    const parent = path.join(ROOT, "berth");
    fs.mkdirSync(parent, { recursive: true });
    for (const dir of [ROOT, parent]) {
      try {
        write(path.join(dir, "cgroup.subtree_control"), "+memory +cpu +pids");
      } catch {
        // already enabled, or delegated by the host's init system
      }
    }
    const dir = path.join(parent, name);
    fs.mkdirSync(dir, { recursive: true });
    write(path.join(dir, "memory.max"), limits.memoryBytes ? String(limits.memoryBytes) : "max");
    if (limits.memoryBytes && fs.existsSync(path.join(dir, "memory.swap.max")))
      write(path.join(dir, "memory.swap.max"), "0");
    write(
      path.join(dir, "cpu.max"),
      limits.cpuMillicores ? `${(limits.cpuMillicores * CFS_PERIOD_US) / 1000} ${CFS_PERIOD_US}` : "max",
    );
    write(path.join(dir, "pids.max"), String(limits.pids));
    return [path.join(dir, "cgroup.procs")];
  }
  const { dirs } = layout;
  for (const d of groupDirs(layout, name)) fs.mkdirSync(d, { recursive: true });
  const at = (controller: keyof typeof dirs, file: string) =>
    path.join(dirs[controller], "berth", name, file);
  write(at("memory", "memory.limit_in_bytes"), limits.memoryBytes ? String(limits.memoryBytes) : "-1");
  if (limits.memoryBytes && fs.existsSync(at("memory", "memory.memsw.limit_in_bytes")))
    write(at("memory", "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
  write(at("cpu", "cpu.cfs_period_us"), String(CFS_PERIOD_US));
  write(
    at("cpu", "cpu.cfs_quota_us"),
    limits.cpuMillicores ? String((limits.cpuMillicores * CFS_PERIOD_US) / 1000) : "-1",
  );
  write(at("pids", "pids.max"), String(limits.pids));
  return groupDirs(layout, name).map((d) => path.join(d, "tasks"));
}

function readNumber(file: string, key?: string): number | undefined {
  try {
    const text = fs.readFileSync(file, "utf8");
    if (key === undefined) return Number(text.trim());
    const m = new RegExp(`^${key} (\\d+)$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** How many processes of the group the kernel killed for running out of memory. */
export function oomKills(layout: Layout, name: string): number {
  if (layout.version === 2)
    return readNumber(path.join(ROOT, "berth", name, "memory.events"), "oom_kill") ?? 0;
  return readNumber(path.join(layout.dirs.memory, "berth", name, "memory.oom_control"), "oom_kill") ?? 0;
}

/** CPU time used so far and memory in use now, read from the group; undefined when it is gone. */
export function cgroupUsage(layout: Layout, name: string): CgroupUsage | undefined {
  if (layout.version === 2) {
    const dir = path.join(ROOT, "berth", name);
    const usec = readNumber(path.join(dir, "cpu.stat"), "usage_usec");
    const mem = readNumber(path.join(dir, "memory.current"));
    return usec === undefined || mem === undefined ? undefined : { cpuSeconds: usec / 1e6, memoryBytes: mem };
  }
  const ns = readNumber(path.join(layout.dirs.cpuacct, "berth", name, "cpuacct.usage"));
  const mem = readNumber(path.join(layout.dirs.memory, "berth", name, "memory.usage_in_bytes"));
  return ns === undefined || mem === undefined ? undefined : { cpuSeconds: ns / 1e9, memoryBytes: mem };
}

/** Pids of every process in the group (empty when it is gone). */
export function cgroupProcs(layout: Layout, name: string): number[] {
  const dir =
    layout.version === 2 ? path.join(ROOT, "berth", name) : path.join(layout.dirs.pids, "berth", name);
  try {
    return fs.readFileSync(path.join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Removes the groups; a group that still holds a process (or is already gone) is left alone. */
export function removeCgroup(layout: Layout, name: string): void {
  for (const d of groupDirs(layout, name)) {
    try {
      fs.rmdirSync(d);
    } catch {
      // busy or gone
    }
  }
}

/**
 * Removes every empty sandbox group (left by a control plane that stopped while releasing one) older
 * than `minAgeMs`. Several control planes may share a host (and tests run several at once): a group
 * another one has just created is empty until its launcher joins it, so young groups are left alone.
 */
export function sweepEmptyCgroups(layout: Layout, minAgeMs = 60_000, now = Date.now()): void {
  const parent = layout.version === 2 ? path.join(ROOT, "berth") : path.join(layout.dirs.pids, "berth");
  let names: string[];
  try {
    names = fs
      .readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return;
  }
  const old = (name: string) => {
    try {
      return now - fs.statSync(path.join(parent, name)).mtimeMs >= minAgeMs;
    } catch {
      return false;
    }
  };
  for (const name of names)
    if (old(name) && cgroupProcs(layout, name).length === 0) removeCgroup(layout, name);
}
