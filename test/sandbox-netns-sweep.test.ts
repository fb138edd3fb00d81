/**
 * Stale sandbox networks: a control plane killed with SIGKILL (its workloads killed after it)
 * leaves namespaces under /run/netns, their address blocks (lock files) and API rules. The next
 * control plane to start on the host removes them all, while the networks of another control plane
 * that still runs — its replica's and the idle ones it made ahead — stay and keep serving.
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
import { LOCK_DIR, LOCK_GRACE_MS, recordedNetworks } from "../src/runtime/local/sandbox-network.js";

const running: TestBerth[] = [];
let killed: BerthProcess | undefined;
let killedDir: string | undefined;

/** Sandbox ids with a network record in a data dir's runtime: its replicas' and those made ahead. */
const sandboxesOf = (dataDir: string): string[] =>
  recordedNetworks(path.join(dataDir, "runtime", "local", "run"));
/** The address block lock of a sandbox, if it holds one. */
const lockOf = (id: string): string | undefined =>
  fs.readdirSync(LOCK_DIR).find((f) => fs.readFileSync(path.join(LOCK_DIR, f), "utf8").startsWith(`${id} `));
const apiRules = () => execFileSync("nft", ["list", "set", "inet", "berth_sandbox", "api"]).toString();
const netnsExists = (id: string) => fs.existsSync(`/run/netns/berth-${id}`);

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
  const staleLocks = staleIds.map((id) => lockOf(id)!);
  expect(staleLocks.every(Boolean)).toBe(true);
  await killed.kill("SIGKILL");
  for (const pid of processesUnder(killedDir)) process.kill(pid, "SIGKILL");
  await waitFor(() => processesUnder(killedDir!).length === 0, "killed control plane's workload gone");
  for (const id of staleIds) expect(netnsExists(id), id).toBe(true);
  // The killed one's replica had an API rule (networks made ahead too); the gateway names the lock.
  const staleRules = staleLocks.filter((gw) => apiRules().includes(` . ${gw} . `));
  expect(staleRules.length).toBe(3);

  // The next control plane starts a minute later (by its clock: the age rule spares young
  // namespaces; address locks are aged by their mtime, in real time).
  const old = new Date(Date.now() - LOCK_GRACE_MS - 1_000);
  for (const gw of staleLocks) fs.utimesSync(path.join(LOCK_DIR, gw), old, old);
  const next = await startTestBerth({}, { clock: new FakeClock(Date.now() + 2 * 60_000) });
  running.push(next);
  for (const id of staleIds) expect(netnsExists(id), id).toBe(false);
  for (const id of staleIds) expect(lockOf(id), id).toBeUndefined();
  for (const gw of staleLocks) expect(apiRules()).not.toContain(` . ${gw} . `);
  for (const id of liveIds) expect(netnsExists(id), id).toBe(true);
  for (const id of liveIds) expect(lockOf(id), id).toBeDefined();
  expect((await viaIngress(live.url, `${liveHello}.localhost`)).text).toBe("hello: world\n");
}, 120_000);
