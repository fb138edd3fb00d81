/**
 * Sandbox addresses on this host's real network stack (root needed, as for the sandbox): each
 * network gets its own /31 of the subnet, even when made at the same time; a full subnet is a
 * clear error; a released block is handed out again.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { netnsPath } from "./netns.js";
import { newSandboxId, prepareNetwork, releaseSandbox } from "./sandbox.js";
import { parseSubnet } from "../sandbox-subnet.js";
import { LOCK_DIR, sandboxAddress } from "./sandbox-network.js";

/** 8 blocks: small enough to fill. */
const subnet = "10.202.255.240/28";
const host = { runDir: fs.mkdtempSync(path.join(os.tmpdir(), "berth-sbnet-test-")), subnet };
const made: string[] = [];
afterEach(async () => {
  await Promise.all(made.splice(0).map((id) => releaseSandbox(host, id)));
});

it("parses only aligned IPv4 CIDRs of /8 to /28", () => {
  expect(parseSubnet("10.201.0.0/16")).toEqual({ base: 0x0ac90000, prefix: 16 });
  for (const bad of ["10.201.0.1/16", "10.0.0.0/29", "10.0.0.0/7", "300.0.0.0/8", "10.0.0/8", "fd00::/8"])
    expect(() => parseSubnet(bad), bad).toThrow(/sandbox subnet/);
});

it("gives networks made at once distinct /31s, refuses a ninth in a /28, and reuses a released one", async () => {
  const ids = Array.from({ length: 8 }, () => newSandboxId());
  made.push(...ids);
  const addresses = await Promise.all(ids.map((id) => prepareNetwork(host, { id, port: 8080 })));
  expect(new Set(addresses).size).toBe(8);
  for (const a of addresses) expect(a).toMatch(/^10\.202\.255\.(24[13579]|25[135])$/);
  expect(ids.map((id) => sandboxAddress(host.runDir, id))).toEqual(addresses);

  const ninth = newSandboxId();
  await expect(prepareNetwork(host, { id: ninth, port: 8080 })).rejects.toThrow(/no free sandbox address/);
  // Nothing of the failed one is left.
  expect(fs.existsSync(netnsPath(ninth))).toBe(false);
  expect(sandboxAddress(host.runDir, ninth)).toBeUndefined();

  const [first] = made.splice(0, 1);
  await releaseSandbox(host, first!);
  const gateway = addresses[0]!.replace(/\d+$/, (n) => String(Number(n) - 1));
  expect(fs.existsSync(path.join(LOCK_DIR, gateway))).toBe(false);
  const again = newSandboxId();
  made.push(again);
  expect(await prepareNetwork(host, { id: again, port: 8080 })).toBe(addresses[0]);
});

it("serves control planes whose subnets nest (one host set of subnets, no overlapping elements)", async () => {
  const nets = () => execFileSync("nft", ["list", "set", "inet", "berth_sandbox", "nets"]).toString();
  // This test's own range, in the host's set since an earlier run or not: start without it.
  const dropRange = () => {
    for (const e of ["10.203.200.0/24", "10.203.200.16/28", "10.203.200.32/28"])
      try {
        execFileSync("nft", ["delete", "element", "inet", "berth_sandbox", "nets", `{ ${e} }`], {
          stdio: "ignore",
        });
      } catch {
        // not there
      }
  };
  dropRange();
  const inner = { runDir: host.runDir, subnet: "10.203.200.16/28" };
  const outer = { runDir: host.runDir, subnet: "10.203.200.0/24" };
  const sibling = { runDir: host.runDir, subnet: "10.203.200.32/28" };
  const addressIn = async (h: typeof inner, prefix: RegExp) => {
    const id = newSandboxId();
    made.push(id);
    const address = await prepareNetwork(h, { id, port: 8080 });
    expect(address).toMatch(prefix);
  };
  await addressIn(inner, /^10\.203\.200\.(1[6-9]|2\d|3[01])$/);
  expect(nets()).toContain("10.203.200.16/28");
  // The outer one replaces the element it covers; the one inside it adds none.
  await addressIn(outer, /^10\.203\.200\.\d+$/);
  await addressIn(sibling, /^10\.203\.200\.(3[2-9]|4[0-7])$/);
  expect(nets()).toContain("10.203.200.0/24");
  expect(nets()).not.toMatch(/10\.203\.200\.(16|32)\/28/);
  await Promise.all(made.splice(0).map((id) => releaseSandbox(host, id)));
  dropRange();
});
