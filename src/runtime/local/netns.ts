/**
 * The named network namespaces of sandboxes (`/run/netns/berth-<16 hex>`, made with `ip netns add`)
 * and the start-up sweep of stale ones.
 *
 * A namespace is in use while a process lives in it (a workload) or holds it open. Each control
 * plane holds an open file on every namespace it made until it releases it (`holdNetns`), so
 * another control plane on the same host can tell its namespaces — even an idle pre-made one —
 * from those a killed control plane left behind. Its veth pair (sandbox-network.ts) goes with the
 * namespace. A pasta left by an earlier berth version (which wired namespaces with it) does not
 * keep one alive: it is stopped with its namespace.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export const NETNS_DIR = "/run/netns";
const SANDBOX_NETNS = /^berth-[0-9a-f]{16}$/;

export const netnsName = (id: string) => `berth-${id}`;
export const netnsPath = (id: string) => path.join(NETNS_DIR, netnsName(id));

/** Open files this process holds on the namespaces it made, by sandbox id. */
const held = new Map<string, number>();

/** Creates the sandbox's namespace and holds it open (in use) until `deleteNetns`. */
export async function addNetns(id: string): Promise<void> {
  await run("ip", ["netns", "add", netnsName(id)]);
  held.set(id, fs.openSync(netnsPath(id), "r"));
}

/** Lets go of the namespace and deletes it (and so its veth pair). Idempotent. */
export async function deleteNetns(id: string): Promise<void> {
  const fd = held.get(id);
  held.delete(id);
  if (fd !== undefined) fs.closeSync(fd);
  if (fs.existsSync(netnsPath(id)))
    await run("ip", ["netns", "delete", netnsName(id)]).catch(() => undefined);
}

interface Users {
  /** Processes inside the namespace, or holding it open, that are not its network helper. */
  keepers: number;
  /** Network helpers (pasta) attached to it. */
  helpers: number[];
}

const isNetworkHelper = (pid: string): boolean => {
  try {
    return /^(pasta|passt)/.test(fs.readFileSync(`/proc/${pid}/comm`, "utf8"));
  } catch {
    return false;
  }
};

function readlink(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** The namespace inode an open file refers to, when it is a namespace of `/run/netns`. */
function nsInodeOfFd(link: string, fdPath: string): number | undefined {
  const m = /^net:\[(\d+)\]$/.exec(link);
  if (m) return Number(m[1]);
  if (!link.startsWith(`${NETNS_DIR}/`)) return undefined;
  try {
    return fs.statSync(fdPath).ino;
  } catch {
    return undefined;
  }
}

/** One pass over /proc: who lives in, or holds open, each of the given namespace inodes. */
function usersOf(inodes: Set<number>): Map<number, Users> {
  const users = new Map<number, Users>([...inodes].map((i) => [i, { keepers: 0, helpers: [] }]));
  for (const pid of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const found = new Set<number>();
    const inside = /^net:\[(\d+)\]$/.exec(readlink(`/proc/${pid}/ns/net`) ?? "");
    if (inside && inodes.has(Number(inside[1]))) found.add(Number(inside[1]));
    let fds: string[] = [];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      // gone, or a kernel thread
    }
    for (const fd of fds) {
      const fdPath = `/proc/${pid}/fd/${fd}`;
      const link = readlink(fdPath);
      const ino = link === undefined ? undefined : nsInodeOfFd(link, fdPath);
      if (ino !== undefined && inodes.has(ino)) found.add(ino);
    }
    if (found.size === 0) continue;
    const helper = isNetworkHelper(pid);
    for (const ino of found) {
      const u = users.get(ino)!;
      if (helper) u.helpers.push(Number(pid));
      else u.keepers++;
    }
  }
  return users;
}

/**
 * Deletes every sandbox namespace that nothing but a network helper uses (no workload inside, no
 * control plane holding it) and that is older than `minAgeMs`: another control plane on the host
 * may have just made one and not yet started its process. Stops the helpers of those it deletes.
 * Returns the names deleted.
 */
export async function sweepStaleNetns(minAgeMs = 60_000, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = fs.readdirSync(NETNS_DIR).filter((n) => SANDBOX_NETNS.test(n));
  } catch {
    return [];
  }
  const candidates = new Map<number, string>();
  for (const name of names) {
    try {
      const st = fs.statSync(path.join(NETNS_DIR, name));
      if (now - st.mtimeMs >= minAgeMs) candidates.set(st.ino, name);
    } catch {
      // deleted meanwhile, or a file whose namespace is already gone (unmounted)
    }
  }
  if (candidates.size === 0) return [];
  const removed: string[] = [];
  for (const [ino, u] of usersOf(new Set(candidates.keys()))) {
    if (u.keepers > 0) continue;
    for (const pid of u.helpers) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    const name = candidates.get(ino)!;
    await run("ip", ["netns", "delete", name]).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
