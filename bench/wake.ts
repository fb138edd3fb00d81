/**
 * bench/wake: time from a request to a paused `hello` until its first byte, against the time to
 * spawn the same process and see it ready, in the same run (median of 20 each).
 * Target (PERFORMANCE.md): wake − spawn-to-ready ≤ 20 ms.
 *   npm run bench:wake
 */
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { examplesDir } from "../src/examples.js";
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

async function spawnToReady(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(examplesDir, "hello/server.js")], {
    env: { PATH: process.env.PATH ?? "", PORT: String(port) },
    stdio: "ignore",
  });
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
  child.kill("SIGTERM");
  return ms;
}

const b = await berthWithHello();
const api = apiClient(b.berth.url, b.key);
const port = Number(new URL(b.berth.url).port);
const id = (await api<{ id: string }>("GET", `/api/deployments/status?name=${b.name}`)).body.id;
try {
  const wakes: number[] = [];
  const spawns: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const paused = await api("POST", `/api/cloud-saas/deployments/${id}/pause`);
    if (paused.status !== 200) throw new Error(`pause failed: ${paused.text}`);
    wakes.push(await firstByte(port, `${b.name}.localhost`));
    spawns.push(await spawnToReady());
  }
  const w = median(wakes);
  const s = median(spawns);
  console.log(`paused hello: request → first byte   median ${w.toFixed(1)} ms (n=${RUNS})`);
  console.log(`same process: spawn → ready          median ${s.toFixed(1)} ms (n=${RUNS})`);
  console.log(`wake overhead: ${(w - s).toFixed(1)} ms (target <= 20 ms)`);
} finally {
  await b.stop();
}
