/**
 * Stale sandbox network namespaces: a control plane killed with SIGKILL (its workloads killed after
 * it) leaves namespaces under /run/netns and pastas attached to them. The next control plane to
 * start on the host removes them, and stops those pastas, while the namespaces of another control
 * plane that still runs — its replica's and the idle ones it made ahead — stay and keep serving.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import {
  apiClient,
  FakeClock,
  startTestBerth,
  type TestBerth,
  teamWithKey,
  viaIngress,
  waitFor,
} from "./support/berth.js";
import { type BerthProcess, processesUnder, spawnBerth } from "./support/process.js";

const running: TestBerth[] = [];
let killed: BerthProcess | undefined;
let killedDir: string | undefined;

/** Sandbox ids with a pasta pid file in a data dir's runtime: its replicas' and those made ahead. */
const sandboxesOf = (dataDir: string): string[] => {
  try {
    return fs
      .readdirSync(path.join(dataDir, "runtime", "local", "run"))
      .filter((f) => f.endsWith(".pasta.pid"))
      .map((f) => f.slice(0, 16));
  } catch {
    return [];
  }
};
const pastaOf = (dataDir: string, id: string): number =>
  Number(fs.readFileSync(path.join(dataDir, "runtime", "local", "run", `${id}.pasta.pid`), "utf8"));
const netnsExists = (id: string) => fs.existsSync(`/run/netns/berth-${id}`);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  for (const t of running) await t.close();
  await killed?.kill("SIGKILL");
  if (killedDir) {
    for (const id of sandboxesOf(killedDir)) {
      if (netnsExists(id)) execFileSync("ip", ["netns", "delete", `berth-${id}`]);
    }
    fs.rmSync(killedDir, { recursive: true, force: true });
  }
});

async function deployHello(url: string, adminToken: string): Promise<string> {
  const { key } = await teamWithKey(apiClient(url, adminToken));
  const api = apiClient(url, key);
  const dep = await api<{ name: string }>("POST", "/api/deployments", { body: { template: "hello" } });
  expect(dep.status, dep.text).toBe(201);
  await waitFor(
    async () =>
      (await api<{ deploymentReady: boolean }>("GET", `/api/deployments/status?name=${dep.body.name}`)).body
        .deploymentReady,
    "hello ready",
    60_000,
  );
  return dep.body.name;
}

it("removes what a killed control plane left, and keeps another running one's namespaces", async () => {
  // A control plane that keeps running: a ready replica and its idle networks made ahead.
  const live = await startTestBerth();
  running.push(live);
  const liveHello = await deployHello(live.url, live.adminToken);
  const liveIds = await waitFor(() => {
    const ids = sandboxesOf(live.dataDir);
    return ids.length === 3 ? ids : undefined;
  }, "running control plane's replica and 2 networks made ahead");

  // A control plane killed with SIGKILL, then its workload killed too.
  killedDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-killed-"));
  const admin = `admin-${randomBytes(16).toString("hex")}`;
  killed = await spawnBerth({ BERTH_DATA_DIR: killedDir, BERTH_ADMIN_TOKEN: admin });
  await deployHello(killed.url, admin);
  const staleIds = await waitFor(() => {
    const ids = sandboxesOf(killedDir!);
    return ids.length === 3 ? ids : undefined;
  }, "killed control plane's replica and 2 networks made ahead");
  const stalePastas = staleIds.map((id) => pastaOf(killedDir!, id));
  await killed.kill("SIGKILL");
  for (const pid of processesUnder(killedDir)) process.kill(pid, "SIGKILL");
  await waitFor(() => processesUnder(killedDir!).length === 0, "killed control plane's workload gone");
  for (const id of staleIds) expect(netnsExists(id), id).toBe(true);
  expect(stalePastas.every(alive)).toBe(true);

  // The next control plane starts a minute later (by its clock: the age rule spares young ones).
  const next = await startTestBerth({}, { clock: new FakeClock(Date.now() + 2 * 60_000) });
  running.push(next);
  for (const id of staleIds) expect(netnsExists(id), id).toBe(false);
  await waitFor(() => !stalePastas.some(alive), "stale pastas stopped");
  for (const id of liveIds) expect(netnsExists(id), id).toBe(true);
  expect((await viaIngress(live.url, `${liveHello}.localhost`)).text).toBe("hello: world\n");
}, 120_000);
