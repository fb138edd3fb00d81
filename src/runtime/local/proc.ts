/** Reads process facts from /proc: start time (for identity across pid reuse), CPU ticks, RSS. */
import fs from "node:fs";
import net from "node:net";

const CLOCK_TICKS = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; undefined when gone. */
export function processStartTime(pid: number): string | undefined {
  const f = statFields(pid);
  if (!f || f[0] === "Z") return undefined;
  return f[19];
}

/** True when `pid` runs and is the same process that had `startTime`. */
export function isSameProcess(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}

export function cpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS;
}

export function rssBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return undefined;
  }
}

export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Sends a signal to a process group, ignoring a group that is already gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** The live process whose environment holds `BERTH_INSTANCE=<instance>`, if any. */
export function findByInstance(instance: string): { pid: number; startTime: string } | undefined {
  const marker = `BERTH_INSTANCE=${instance}`;
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, "latin1");
      if (!env.split("\0").includes(marker)) continue;
      const pid = Number(entry);
      const startTime = processStartTime(pid);
      if (startTime !== undefined) return { pid, startTime };
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

/** Why a spawn failed, without its message: Node's messages quote the arguments and env given to it. */
export function spawnFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === "string" && /^[A-Z0-9_]+$/.test(code) ? code : "spawn failed";
}

/** The first child of `pid` (the sandbox launcher's child is bubblewrap, inside the sandbox's network). */
export function firstChild(pid: number): number | undefined {
  try {
    const first = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ")[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** True when both processes run and `pid` is in another network namespace than `than`. */
export function inOtherNetns(pid: number, than: number): boolean {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/net`) !== fs.readlinkSync(`/proc/${than}/ns/net`);
  } catch {
    return false;
  }
}

/**
 * True when a socket in the network namespace of `pid` listens on TCP `port`: a sandboxed
 * replica's TCP readiness, read without a connection (its network may still be coming up).
 */
export function listensInNamespace(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = fs.readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && f[1]?.endsWith(`:${hex}`)) return true;
    }
  }
  return false;
}
