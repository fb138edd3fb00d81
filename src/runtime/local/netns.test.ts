/**
 * The sweep of stale sandbox network namespaces, on this host's real /run/netns (root needed, as
 * for the sandbox): age and holders decide. The address sweep then frees the block, host rule and
 * record of a network whose namespace is gone.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { until } from "../contract-helpers.js";
import { addNetns, deleteNetns, netnsName, netnsPath, sweepStaleNetns } from "./netns.js";
import { newSandboxId, releaseSandbox } from "./sandbox.js";
import { LOCK_DIR, LOCK_GRACE_MS, recordedNetworks, sweepStaleNetworks } from "./sandbox-network.js";

const made: string[] = [];
const host = { runDir: fs.mkdtempSync(path.join(os.tmpdir(), "berth-netns-test-")) };
afterEach(async () => {
  for (const id of made.splice(0)) await releaseSandbox(host, id);
});

const later = () => Date.now() + 61_000;
const exists = (id: string) => fs.existsSync(netnsPath(id));

it("leaves a namespace made a moment ago, and removes it once it is a minute old and unused", async () => {
  const id = newSandboxId();
  made.push(id);
  // as another control plane's `ip netns add` right before its process enters
  execFileSync("ip", ["netns", "add", netnsName(id)]);
  expect(await sweepStaleNetns()).not.toContain(netnsName(id));
  expect(exists(id)).toBe(true);
  expect(await sweepStaleNetns(60_000, later())).toContain(netnsName(id));
  expect(exists(id)).toBe(false);
});

it("keeps an old namespace its control plane holds, even with no process inside", async () => {
  const id = newSandboxId();
  made.push(id);
  await addNetns(id);
  expect(await sweepStaleNetns(60_000, later())).not.toContain(netnsName(id));
  expect(exists(id)).toBe(true);
  await deleteNetns(id);
  expect(exists(id)).toBe(false);
});

it("removes an old wired namespace nobody holds, then its address block, API rule and record", async () => {
  const id = newSandboxId();
  made.push(id);
  // Made (veth pair, address, API rule) by another control plane that then exited: its hold closed with it.
  const sandbox = path.join(import.meta.dirname, "sandbox.ts");
  const address = execFileSync(process.execPath, [
    "--import",
    "tsx",
    "-e",
    `import(${JSON.stringify(sandbox)}).then((m) => m.prepareNetwork(${JSON.stringify(host)}, { id: "${id}", port: 8080, apiPort: 4999 })).then((a) => console.log(a))`,
  ])
    .toString()
    .trim();
  const locks = () =>
    fs.readdirSync(LOCK_DIR).filter((f) => fs.readFileSync(path.join(LOCK_DIR, f), "utf8").startsWith(id));
  const apiRules = () => execFileSync("nft", ["list", "set", "inet", "berth_sandbox", "api"]).toString();
  expect(locks()).toHaveLength(1);
  expect(apiRules()).toContain(`${address} . `);
  expect(recordedNetworks(host.runDir)).toContain(id);
  const ageLock = () => {
    const old = new Date(Date.now() - LOCK_GRACE_MS - 1_000);
    for (const f of locks()) fs.utimesSync(path.join(LOCK_DIR, f), old, old);
  };
  // Its namespace is in use by nobody, so not yet swept as long as it is young; its block stays.
  await sweepStaleNetworks(host.runDir);
  expect(locks()).toHaveLength(1);
  expect(await sweepStaleNetns(60_000, later())).toContain(netnsName(id));
  expect(exists(id)).toBe(false);
  // A young lock without a namespace may be a network in the making: spared.
  await sweepStaleNetworks(host.runDir);
  expect(locks()).toHaveLength(1);
  ageLock();
  expect(await sweepStaleNetworks(host.runDir)).toBeGreaterThanOrEqual(1);
  expect(locks()).toHaveLength(0);
  expect(apiRules()).not.toContain(`${address} . `);
  expect(recordedNetworks(host.runDir)).not.toContain(id);
});

it("keeps an old namespace a process lives in", async () => {
  const id = newSandboxId();
  made.push(id);
  execFileSync("ip", ["netns", "add", netnsName(id)]);
  const sleeper = execFileSync("sh", [
    "-c",
    `nsenter --net=${netnsPath(id)} sleep 30 >/dev/null 2>&1 & echo $!`,
  ]);
  const pid = Number(String(sleeper).trim());
  try {
    await until(
      () => fs.readlinkSync(`/proc/${pid}/ns/net`) !== fs.readlinkSync("/proc/self/ns/net"),
      "inside",
    );
    expect(await sweepStaleNetns(60_000, later())).not.toContain(netnsName(id));
    expect(exists(id)).toBe(true);
  } finally {
    process.kill(pid, "SIGKILL");
  }
});
