/**
 * bench/wake-container: the container runtime's wake. Time from a request to a paused deployment of
 * a tiny busybox-httpd image until its first byte (berth creates and starts a new container), against
 * `podman start` of a created container of the same image by hand until it answers, in the same run
 * (median of BENCH_RUNS, default 10, each). Needs the container tests' host tools (podman, runc,
 * docker-registry, skopeo, umoci, busybox-static: `node scripts/system-deps.mjs`).
 *   npm run bench:wake-container
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { apiClient, teamWithKey, waitFor } from "../test/support/berth.js";
import { buildAndPush, httpdImage, startContainerHost } from "../test/support/container-host.js";
import { freePort } from "../test/support/postgres.js";
import { spawnBerth } from "../test/support/process.js";
import { median } from "./lib.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 10);

function get(port: number, host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: "127.0.0.1", port, path: "/", headers: host ? { host } : {}, agent: false },
      (res) => {
        res.once("data", () => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", reject);
  });
}

const host = await startContainerHost();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-ctr-"));
const admin = `admin-${randomBytes(16).toString("hex")}`;
const berth = await spawnBerth({
  BERTH_DATA_DIR: dataDir,
  BERTH_ADMIN_TOKEN: admin,
  BERTH_LOG_LEVEL: "warn",
  BERTH_RUNTIME: "container",
  DOCKER_HOST: host.dockerHost,
});
try {
  const ref = await buildAndPush(host, httpdImage("bench/web", "hello\n"));
  const api = apiClient(berth.url, admin);
  const { key } = await teamWithKey(api, ["deployments:read", "deployments:write"]);
  const user = apiClient(berth.url, key);
  const dep = await user<{ id: string; name: string }>("POST", "/api/deployments/deploy-image", {
    body: { image: ref, name: "wake" },
  });
  if (dep.status !== 201) throw new Error(`deploy-image failed: ${dep.text}`);
  const status = await waitFor(
    async () => {
      const s = await user<{ id: string; deploymentReady: boolean }>(
        "GET",
        "/api/deployments/status?name=wake",
      );
      return s.body.deploymentReady && s.body;
    },
    "ready",
    120_000,
  );
  const berthPort = Number(new URL(berth.url).port);
  const byHandPort = await freePort();
  const byHand = host.podman(["create", "-p", `127.0.0.1:${byHandPort}:8080`, ref]).trim();

  const wakes: number[] = [];
  const starts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const paused = await user("POST", `/api/cloud-saas/deployments/${status.id}/pause`);
    if (paused.status !== 200) throw new Error(`pause failed: ${paused.text}`);
    let t0 = performance.now();
    const code = await get(berthPort, "wake.localhost");
    if (code !== 200) throw new Error(`wake answered ${code}`);
    wakes.push(performance.now() - t0);

    t0 = performance.now();
    host.podman(["start", byHand]);
    for (;;) {
      if ((await get(byHandPort).catch(() => 0)) === 200) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    starts.push(performance.now() - t0);
    host.podman(["stop", "-t", "0", byHand]);
  }
  const w = median(wakes);
  const s = median(starts);
  console.log(`paused container: request → first byte   median ${w.toFixed(0)} ms (n=${RUNS})`);
  console.log(`same image: podman start → first byte    median ${s.toFixed(0)} ms (n=${RUNS})`);
  console.log(`ratio wake / podman start: ${(w / s).toFixed(2)}`);
} finally {
  await berth.kill("SIGTERM");
  await host.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
