/** Runs berth's real entry point as a child process, for tests that kill it. */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..", "..");

export interface BerthProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function spawnBerth(env: Record<string, string>): Promise<BerthProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "src/main.ts")], {
    cwd: root,
    env: { ...process.env, PORT: "0", BERTH_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c) => {
    out += String(c);
  });
  child.stderr!.on("data", (c) => {
    out += String(c);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`berth did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /berth listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`berth exited with ${code}:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    kill: (signal) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}

/** Pids of processes whose working directory is inside `dir` (berth's workloads run in their volume). */
export function processesUnder(dir: string): number[] {
  const real = fs.realpathSync(dir);
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (cwd.startsWith(`${real}/`) && state !== "Z") pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids.sort((a, b) => a - b);
}

export interface BerthDataDir {
  dir: string;
  /** The env to spawn berth with on this dir: `BERTH_DATA_DIR` and the test's settings. */
  env: Record<string, string>;
  /** SIGKILLs `berth` (when given and running) and every process left under the dir; deletes the dir. */
  remove(berth?: BerthProcess): Promise<void>;
}

/** A fresh data dir (named `<prefix>…` under the temp dir) for berth processes a test kills and restarts. */
export async function berthDataDir(prefix: string, env: Record<string, string>): Promise<BerthDataDir> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    env: { BERTH_DATA_DIR: dir, ...env },
    async remove(berth) {
      await berth?.kill("SIGKILL");
      for (const pid of processesUnder(dir)) process.kill(pid, "SIGKILL");
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
