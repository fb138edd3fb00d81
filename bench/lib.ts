/**
 * Shared benchmark plumbing: wrk runs and parsing, tool installation from Debian's packages, and a
 * berth control plane with one ready `hello` deployment.
 */
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sandboxIdOf } from "../src/runtime/local/sandbox.js";
import { sandboxAddress } from "../src/runtime/local/sandbox-network.js";
import { apiClient, waitFor } from "../test/support/berth.js";
import { type BerthProcess, processesUnder, spawnBerth } from "../test/support/process.js";

const run = promisify(execFile);

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
}

/** Installs Debian packages the benchmark needs when they are missing. */
export function ensureTools(tools: Record<string, string>): void {
  const missing = Object.entries(tools).filter(([bin]) => spawnSync("which", [bin]).status !== 0);
  if (missing.length === 0) return;
  console.log(`installing ${missing.map(([, pkg]) => pkg).join(", ")} from Debian's packages…`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...missing.map(([, pkg]) => pkg)], { stdio: "inherit" });
}

const toMs = (v: string, unit: string): number =>
  Number(v) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : 1);

/**
 * Runs wrk without blocking this process's event loop: a blocked loop lets no timer run, so the
 * HTTP client here would keep kept-alive connections past the idle time the server advertised
 * (berth's `Keep-Alive: timeout=72`) and reuse one the server has closed meanwhile
 * ("other side closed" on the next API call).
 * Header names are sent as given; spell `Host` so, or wrk adds a second Host header of its own.
 */
export async function wrk(
  url: string,
  opts: { headers?: Record<string, string>; seconds?: number; connections?: number; script?: string } = {},
): Promise<WrkResult> {
  const args = ["-t2", `-c${opts.connections ?? 50}`, `-d${opts.seconds ?? 10}s`, "--latency"];
  if (opts.script) args.push("-s", opts.script);
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  const { stdout: out } = await run("wrk", [...args, url], { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p = (q: string) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1]!, m[2]!) : Number.NaN;
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  if (non2xx) throw new Error(`wrk saw ${non2xx[1]} error responses from ${url}:\n${out}`);
  return { rps, p50ms: p("50"), p99ms: p("99") };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function startProcess(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ port: number; stop(): void }> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c) => {
      out += String(c);
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`${cmd} exited ${code}`)));
  });
  return { port, stop: () => child.kill("SIGTERM") };
}

export interface BenchBerth {
  berth: BerthProcess;
  key: string;
  name: string;
  /** Every hello deployment's name (the first is `name`). */
  names: string[];
  dataDir: string;
  /** Port of the hello replica itself (for baselines that proxy the same upstream). */
  upstreamPort: number;
  /** Ports of every hello replica. */
  upstreamPorts: number[];
  /** Where each replica is reached: its sandbox's address (127.0.0.1 when unsandboxed). */
  upstreamHosts: string[];
  stop(): Promise<void>;
}

/** A berth control plane with `count` ready `hello` deployments (one replica each). */
/**
 * The env of the program a replica's launcher started: the launcher's own, or (a sandbox's
 * launcher made ahead has berth's env, not the program's) that of the first process under it
 * that has PORT.
 */
function workloadEnv(launcher: number): string[] {
  const queue = [launcher];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    try {
      const env = fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (env.some((e) => e.startsWith("PORT="))) return env;
      const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      if (children) queue.push(...children.split(" ").map(Number));
    } catch {
      // ended meanwhile
    }
  }
  return [];
}

export async function berthWithHello(count = 1): Promise<BenchBerth> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-"));
  const admin = `admin-${randomBytes(16).toString("hex")}`;
  const berth = await spawnBerth({
    BERTH_DATA_DIR: dataDir,
    BERTH_ADMIN_TOKEN: admin,
    BERTH_LOG_LEVEL: "warn",
  });
  const api = apiClient(berth.url, admin);
  const team = await api<{ id: string }>("POST", "/api/teams", {
    body: { name: "bench", tier: "enterprise" },
  });
  const key = (
    await api<{ key: string }>("POST", "/api/keys", {
      body: { name: "bench", teamId: team.body.id, scopes: ["deployments:read", "deployments:write"] },
    })
  ).body.key;
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const dep = await apiClient(berth.url, key)<{ name: string }>("POST", "/api/deployments", {
      body: { template: "hello" },
    });
    names.push(dep.body.name);
    await waitFor(async () => {
      const s = await apiClient(berth.url, key)<{ deploymentReady: boolean }>(
        "GET",
        `/api/deployments/status?name=${dep.body.name}`,
      );
      return s.body.deploymentReady;
    }, "hello ready");
  }
  const environs = processesUnder(dataDir).map(workloadEnv);
  const upstreamPorts = environs.map((env) => Number(env.find((e) => e.startsWith("PORT="))?.slice(5)));
  const upstreamHosts = environs.map((env) => {
    const instance = env.find((e) => e.startsWith("BERTH_INSTANCE="))?.slice(15) ?? "";
    const runDir = path.join(dataDir, "runtime", "local", "run");
    return sandboxAddress(runDir, sandboxIdOf(instance)) ?? "127.0.0.1";
  });
  return {
    berth,
    key,
    name: names[0]!,
    names,
    dataDir,
    upstreamPort: upstreamPorts[0]!,
    upstreamPorts,
    upstreamHosts,
    async stop() {
      for (const name of names)
        await apiClient(berth.url, key)("POST", "/api/deployments/delete", {
          body: { deployment_name: name },
        });
      await waitFor(() => processesUnder(dataDir).length === 0, "hello stopped", 15_000).catch(
        () => undefined,
      );
      await berth.kill("SIGTERM");
      for (const p of processesUnder(dataDir)) process.kill(p, "SIGKILL");
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
