/**
 * bench/wake: time from a request to a paused `hello` until its first byte, against the time to
 * spawn the same process and see it ready, in the same run (median of 20 each); also the same
 * process started in a sandbox, with a fresh network (namespace + veth pair made on the spot), with
 * one made ahead, and with its launcher made ahead too (what a wake takes from berth's pool), to
 * show what the sandbox itself costs.
 * Prints the load average next to the figures (other work on the host moves them).
 * Target (PERFORMANCE.md): wake − spawn-to-ready ≤ 20 ms.
 *   npm run bench:wake
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import http from "node:http";
import path from "node:path";
import { examplesDir } from "../src/examples.js";
import {
  launchSandbox,
  prepareNetwork,
  releaseSandbox,
  startLauncher,
} from "../src/runtime/local/sandbox.js";
import { sandboxAddress } from "../src/runtime/local/sandbox-network.js";
import { apiClient } from "../test/support/berth.js";
import { freePort } from "../test/support/postgres.js";
import { berthWithHello, median } from "./lib.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 20);

function firstByte(port: number, host: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", headers: { host }, agent: false }, (res) => {
      res.once("data", () => {
        const ms = performance.now() - started;
        res.resume();
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        else resolve(ms);
      });
    });
    req.on("error", reject);
  });
}

/**
 * Spawn → ready of hello: plain (the baseline), in a sandbox with a fresh network, or in a sandbox
 * whose network was made ahead (untimed, as berth's pool does).
 */
async function spawnToReady(mode: "plain" | "fresh" | "warm" | "ahead" = "plain"): Promise<number> {
  const port = await freePort();
  const id = randomBytes(8).toString("hex");
  const sandboxed = mode !== "plain";
  if (mode === "warm" || mode === "ahead") await prepareNetwork(sandboxHost, { id, port });
  const launcher = mode === "ahead" ? startLauncher() : undefined;
  if (launcher) await new Promise((r) => setTimeout(r, 20));
  const started = performance.now();
  const volume = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-sbx-"));
  const command = process.execPath;
  const args = [path.join(examplesDir, "hello/server.js")];
  const env = { PATH: process.env.PATH ?? "", PORT: String(port) };
  const child = sandboxed
    ? await launchSandbox(sandboxHost, {
        id,
        command,
        args,
        env,
        volume: { hostDir: volume, mountPath: "/data" },
        readOnlyPaths: [path.join(examplesDir, "hello")],
        port,
        limits: { pids: 128 },
        network:
          mode === "warm" || mode === "ahead"
            ? "prepared"
            : process.env.BENCH_NETWORK === "ready"
              ? "ready"
              : "concurrent",
        launcher: launcher && { child: launcher, outputFile: "/dev/null" },
        stdin: "ignore",
        output: fs.openSync("/dev/null", "w"),
      })
    : spawn(command, args, { env, stdio: "ignore" });
  // A sandboxed process is reached at its sandbox's address.
  const host = sandboxed ? sandboxAddress(sandboxHost.runDir, id)! : "127.0.0.1";
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get({ host, port, path: "/", agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on("error", () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - started;
  if (sandboxed) {
    process.kill(-child.pid!, "SIGKILL");
    await new Promise((r) => child.once("exit", r));
    await releaseSandbox(sandboxHost, id);
  } else child.kill("SIGTERM");
  fs.rmSync(volume, { recursive: true, force: true });
  return ms;
}

const sandboxHost = { runDir: fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-run-")) };

const b = await berthWithHello();
const api = apiClient(b.berth.url, b.key);
const port = Number(new URL(b.berth.url).port);
const id = (await api<{ id: string }>("GET", `/api/deployments/status?name=${b.name}`)).body.id;
try {
  const wakes: number[] = [];
  const cpuMs: number[] = [];
  const spawns: number[] = [];
  const fresh: number[] = [];
  const warm: number[] = [];
  const ahead: number[] = [];
  const loadBefore = os.loadavg()[0]!;
  for (let i = 0; i < RUNS; i++) {
    const paused = await api("POST", `/api/cloud-saas/deployments/${id}/pause`);
    if (paused.status !== 200) throw new Error(`pause failed: ${paused.text}`);
    // Let the pause settle and berth's pool refill, as between real visits.
    await new Promise((r) => setTimeout(r, 300));
    const cpu = () => {
      const f = fs.readFileSync(`/proc/${b.berth.child.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return (Number(f[11]) + Number(f[12])) * 10;
    };
    const c0 = cpu();
    wakes.push(await firstByte(port, `${b.name}.localhost`));
    cpuMs.push(cpu() - c0);
    spawns.push(await spawnToReady("plain"));
    fresh.push(await spawnToReady("fresh"));
    warm.push(await spawnToReady("warm"));
    ahead.push(await spawnToReady("ahead"));
  }
  const w = median(wakes);
  const s = median(spawns);
  const f = median(fresh);
  const p = median(warm);
  const a = median(ahead);
  const line = (label: string, ms: number) =>
    console.log(`${label.padEnd(52)} median ${ms.toFixed(1)} ms (n=${RUNS})`);
  console.log(`load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0]!.toFixed(2)} after`);
  line("paused hello: request → first byte", w);
  line("same process: spawn → ready", s);
  line("same process, sandboxed, fresh network: spawn → ready", f);
  line("same process, sandboxed, network made ahead", p);
  line("  and its launcher made ahead too (a wake's path)", a);
  console.log(
    `sandbox start cost: ${(f - s).toFixed(1)} ms with a fresh network, ${(p - s).toFixed(1)} ms with one made ahead, ${(a - s).toFixed(1)} ms with its launcher too; wake overhead beyond the last: ${(w - a).toFixed(1)} ms`,
  );
  console.log(`berth CPU per wake (10 ms ticks): total ${cpuMs.reduce((a, x) => a + x, 0)} ms over ${RUNS}`);
  console.log(`wake overhead: ${(w - s).toFixed(1)} ms (target <= 20 ms)`);
} finally {
  await b.stop();
}
