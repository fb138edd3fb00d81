/**
 * bench/wake: time from a request to a paused `hello` until its first byte, against the time to
 * spawn the same process and see it ready, in the same run (median of 20 each); also the same
 * process started in a fresh sandbox, to show what the sandbox itself costs.
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
import { launchSandbox, releaseSandbox } from "../src/runtime/local/sandbox.js";
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

/** Spawn → ready of hello, plain (the baseline) or in a fresh sandbox (what the sandbox costs). */
async function spawnToReady(sandboxed = false): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const id = randomBytes(8).toString("hex");
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
        network: process.env.BENCH_NETWORK === "ready" ? "ready" : "concurrent",
        stdin: "ignore",
        output: fs.openSync("/dev/null", "w"),
      })
    : spawn(command, args, { env, stdio: "ignore" });
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      http
        .get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
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
  const spawns: number[] = [];
  const sandboxed: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const paused = await api("POST", `/api/cloud-saas/deployments/${id}/pause`);
    if (paused.status !== 200) throw new Error(`pause failed: ${paused.text}`);
    wakes.push(await firstByte(port, `${b.name}.localhost`));
    spawns.push(await spawnToReady());
    sandboxed.push(await spawnToReady(true));
  }
  const w = median(wakes);
  const s = median(spawns);
  console.log(`paused hello: request → first byte   median ${w.toFixed(1)} ms (n=${RUNS})`);
  console.log(`same process: spawn → ready          median ${s.toFixed(1)} ms (n=${RUNS})`);
  const sb = median(sandboxed);
  console.log(`same process, sandboxed: spawn → ready median ${sb.toFixed(1)} ms (n=${RUNS})`);
  console.log(
    `sandbox start cost: ${(sb - s).toFixed(1)} ms; wake overhead beyond it: ${(w - sb).toFixed(1)} ms`,
  );
  console.log(`wake overhead: ${(w - s).toFixed(1)} ms (target <= 20 ms)`);
} finally {
  await b.stop();
}
