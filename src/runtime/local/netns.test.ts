/**
 * The sweep of stale sandbox network namespaces, on this host's real /run/netns (root needed, as
 * for the sandbox): age and holders decide, a namespace's pasta does not keep it.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { until } from "../contract-helpers.js";
import { addNetns, deleteNetns, netnsName, netnsPath, sweepStaleNetns } from "./netns.js";
import { newSandboxId, pastaPid, releaseSandbox } from "./sandbox.js";

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

it("removes an old namespace that only its pasta uses, and stops that pasta", async () => {
  const id = newSandboxId();
  made.push(id);
  // Made by another control plane that then exited: its hold closed with it, its pasta runs on.
  const sandbox = path.join(import.meta.dirname, "sandbox.ts");
  execFileSync(process.execPath, [
    "--import",
    "tsx",
    "-e",
    `import(${JSON.stringify(sandbox)}).then((m) => m.prepareNetwork(${JSON.stringify(host)}, { id: "${id}", port: null }))`,
  ]);
  expect(pastaPid(host, id)).toBeDefined();
  expect(await sweepStaleNetns(60_000, later())).toContain(netnsName(id));
  expect(exists(id)).toBe(false);
  await until(() => pastaPid(host, id) === undefined, "pasta gone");
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
