/**
 * Backups and restores (seed 000) with real processes and files: a counter-agent's state survives
 * backup → change → restore with each driver; the newest succeeded backup is the default; retention
 * collects expired artifacts (injected clock); malicious or damaged archives are refused with the
 * volume unchanged; a second operation in the namespace is 409. Links (restored as links; writing
 * through one refused) and format-1 archives are in backups-links.test.ts.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupKeys } from "../src/backup/keys.js";
import {
  type ApiClient,
  FakeClock,
  startWithTeam,
  type TestBerth,
  viaIngress,
  waitFor,
} from "./support/berth.js";
import { backupHarness } from "./support/backups.js";

const clock = new FakeClock(Date.now());
let t: TestBerth;
let api: ApiClient;
let dep: { id: string; name: string };
/** The namespace incarnation of `dep`: what its volume, backups and backup keys are keyed by. */
let namespaceId: string;
let host: string;

const cloud = (action: string) => `/api/cloud-saas/deployments/${dep.id}/${action}`;
const count = async () => JSON.parse((await viaIngress(t.url, host)).text).count as number;
const setCount = async (n: number) => {
  while ((await count()) < n) await viaIngress(t.url, host, "/increment", { method: "POST" });
};
const volume = () => t.berth.driver.volumePath(namespaceId, "counter");

let backup: ReturnType<typeof backupHarness>["backup"];
let restore: ReturnType<typeof backupHarness>["restore"];
let deployed: ReturnType<typeof backupHarness>["deployed"];
let planted: ReturnType<typeof backupHarness>["planted"];

beforeAll(async () => {
  ({ t, api } = await startWithTeam({}, { clock }));
  const d = await api("POST", "/api/deployments", { body: { template: "counter-agent" } });
  dep = d.body;
  namespaceId = (await t.berth.store.deployments.get(dep.id))!.namespace_id;
  host = `${dep.name}.localhost`;
  ({ backup, restore, deployed, planted } = backupHarness(t, api, dep));
  await deployed();
});
afterAll(async () => {
  await t?.close();
});

describe.each(["volumeSnapshot", "restic"])("the %s driver", (driver) => {
  it("keeps state across backup → change → restore", async () => {
    await setCount((await count()) + 2);
    const saved = await count();
    const b = await backup({ driver, agentId: "counter" });
    expect(b).toMatchObject({
      deploymentId: dep.id,
      namespace: dep.name,
      agentId: "counter",
      sandboxName: "counter",
      pvcName: "berth-data-counter",
      driver,
      status: "succeeded",
      phase: "completed",
      error: null,
      expiresAt: null,
    });
    expect(Object.keys(b)).toEqual(
      expect.arrayContaining([
        "id",
        "snapshotName",
        "objectKey",
        "createdAt",
        "updatedAt",
        "bytesDone",
        "totalBytes",
      ]),
    );
    if (driver === "restic") {
      expect(b).toMatchObject({
        encrypted: true,
        keyId: `ns:${namespaceId}:v1`,
        checksum: expect.stringMatching(/^sha256:/),
      });
      expect(b.objectKey).toMatch(/\.tar\.gz\.enc$/);
    } else {
      expect(b.snapshotName).toMatch(new RegExp(`^${dep.name}-counter-`));
    }
    await setCount(saved + 3);
    const r = await restore({ agentId: "counter", backupId: b.id });
    expect(r).toMatchObject({ restoreStatus: "succeeded", phase: "completed" });
    await deployed();
    expect(await count()).toBe(saved);
  });
});

it("restores the newest succeeded backup by default", async () => {
  await setCount((await count()) + 1);
  await backup({ driver: "volumeSnapshot" });
  await setCount((await count()) + 1);
  const newest = await count();
  await backup({ driver: "restic" });
  await setCount(newest + 4);
  const r = await restore({});
  expect(r.driver).toBe("restic");
  await deployed();
  expect(await count()).toBe(newest);
});

it("refuses a driver the runtime does not have with 422", async () => {
  const res = await api("POST", cloud("backups"), { body: { driver: "csiSnapshot" } });
  expect(res.status).toBe(422);
  expect(res.body.error).toMatch(/driver csiSnapshot is not available/);
});

it("refuses retentionDays outside 1–365, and collects expired backups", async () => {
  for (const retentionDays of [0, 366, 1.5]) {
    const res = await api("POST", cloud("backups"), { body: { retentionDays } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/retentionDays/);
  }
  const b = await backup({ driver: "restic", retentionDays: 1 });
  expect(Date.parse(b.expiresAt) - Date.parse(b.createdAt)).toBe(86_400_000);
  const object = path.join(t.dataDir, "objects", b.objectKey);
  await fs.access(object);
  clock.advance(2 * 86_400_000);
  expect(await t.berth.backups.collect()).toContain(b.id);
  await expect(fs.access(object)).rejects.toThrow();
  const after = (await api("GET", cloud("backups"))).body.backups.find((x: { id: string }) => x.id === b.id);
  expect(after).toMatchObject({ status: "expired", phase: "expired" });
  clock.advance(-2 * 86_400_000);
});

it("answers 409 while another operation runs in the namespace", async () => {
  await fs.writeFile(path.join(volume(), "big.bin"), Buffer.alloc(64 * 1024 * 1024, 7));
  const first = await api("POST", cloud("backups"), { body: { driver: "restic" } });
  expect(first.status).toBe(202);
  const second = await api("POST", cloud("pause"));
  expect(second.status).toBe(409);
  expect(second.body.error).toMatch(/another operation/);
  await waitFor(async () => {
    const b = (await api("GET", cloud("backups"))).body.backups.find(
      (x: { id: string }) => x.id === first.body.backup.id,
    );
    return b.status === "succeeded";
  }, "big backup");
  await fs.rm(path.join(volume(), "big.bin"));
});

describe("refuses malicious or damaged archives and leaves the volume unchanged", () => {
  const craft = (script: string, out: string) =>
    execFileSync("python3", ["-c", `import tarfile, io, sys\nout = sys.argv[1]\n${script}`, out]);

  const cases: [string, string, RegExp][] = [
    [
      "dotdot",
      "t = tarfile.open(out, 'w:gz'); i = tarfile.TarInfo('../escape.txt'); d = b'x'; i.size = len(d); t.addfile(i, io.BytesIO(d)); t.close()",
      /\.\./,
    ],
    [
      "absolute",
      "t = tarfile.open(out, 'w:gz'); i = tarfile.TarInfo('/tmp/berth-abs.txt'); d = b'x'; i.size = len(d); t.addfile(i, io.BytesIO(d)); t.close()",
      /absolute/,
    ],
    [
      "hardlink",
      "t = tarfile.open(out, 'w:gz'); i = tarfile.TarInfo('pw'); i.type = tarfile.LNKTYPE; i.linkname = '/etc/passwd'; t.addfile(i); t.close()",
      /hard link/,
    ],
    [
      "fifo",
      "t = tarfile.open(out, 'w:gz'); i = tarfile.TarInfo('pipe'); i.type = tarfile.FIFOTYPE; t.addfile(i); t.close()",
      /entry type/,
    ],
    [
      "device",
      "t = tarfile.open(out, 'w:gz'); i = tarfile.TarInfo('dev'); i.type = tarfile.CHRTYPE; i.devmajor = 1; i.devminor = 3; t.addfile(i); t.close()",
      /entry type/,
    ],
    [
      "bomb",
      "t = tarfile.open(out, 'w:gz'); i = tarfile.TarInfo('zeros'); i.size = 200 * 1024 * 1024\nclass Z(io.RawIOBase):\n  def readable(self): return True\n  def readinto(self, b):\n    b[:] = bytes(len(b)); return len(b)\nt.addfile(i, io.BufferedReader(Z())); t.close()",
      /ratio/,
    ],
  ];

  it.each(cases)("refuses the %s archive", async (name, script, problem) => {
    const before = await count();
    const plain = path.join(t.dataDir, `${name}.tar.gz`);
    craft(script, plain);
    const { id } = await planted(name, plain);
    const r = await restore({ backupId: id });
    expect(r).toMatchObject({
      restoreStatus: "failed",
      phase: "failed",
      error: expect.stringMatching(problem),
    });
    await deployed();
    expect(await count()).toBe(before);
    await expect(fs.access("/tmp/berth-abs.txt")).rejects.toThrow();
  });

  it("refuses an archive whose checksum does not match", async () => {
    const before = await count();
    const b = await backup({ driver: "restic" });
    const file = path.join(t.dataDir, "objects", b.objectKey);
    const bytes = await fs.readFile(file);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    await fs.writeFile(file, bytes);
    const r = await restore({ backupId: b.id });
    expect(r).toMatchObject({ restoreStatus: "failed", error: expect.stringMatching(/checksum/) });
    await deployed();
    expect(await count()).toBe(before);
  });

  it("refuses a tampered archive (authentication tag)", async () => {
    await deployed();
    const before = await count();
    const b = await backup({ driver: "restic" });
    const stored = path.join(t.dataDir, "objects", b.objectKey);
    const bytes = await fs.readFile(stored);
    bytes[40] = bytes[40]! ^ 0xff;
    const tampered = path.join(t.dataDir, "tampered.bin");
    await fs.writeFile(tampered, bytes);
    const row = (await t.berth.store.backups.get(b.id))!;
    const forged = await planted("tampered", tampered, { wrapped_key: row.wrapped_key, key_id: row.key_id });
    expect(await restore({ backupId: forged.id })).toMatchObject({
      restoreStatus: "failed",
      error: expect.stringMatching(/authentication/),
    });
    await deployed();
    expect(await count()).toBe(before);
  });

  it("refuses an archive under the wrong key", async () => {
    await deployed();
    const before = await count();
    const b = await backup({ driver: "restic" });
    const stored = path.join(t.dataDir, "objects", b.objectKey);
    const row = (await t.berth.store.backups.get(b.id))!;
    const otherKey = new BackupKeys("test-encryption-key-0123456789abcdef").newDataKey(
      "another-namespace",
    ).wrapped;
    const wrongKey = await planted("wrong-key", stored, { wrapped_key: otherKey, key_id: row.key_id });
    expect((await restore({ backupId: wrongKey.id })).restoreStatus).toBe("failed");
    await deployed();
    expect(await count()).toBe(before);
  });
});
