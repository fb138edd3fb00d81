/**
 * Issue 13 §6: every backup that says succeeded restores byte for byte, on both drivers. The volume
 * of the report (data.txt, `current -> releases/v2`, a dangling absolute `mysql.sock`, a hard link)
 * plus links whose text leaves the volume and setuid/setgid entries: links come back as links with
 * their text, hard links as one inode, setuid/setgid bits are stripped. Hostile archives that write
 * THROUGH a link or outside the volume are refused with the volume unchanged; archives written in
 * format 1 (one GCM tag at the end) still restore, and a tampered one is refused. A volume that
 * compresses far (zeros) restores; FIFOs and sockets are left out of archives.
 */
import { execFileSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupKeys } from "../src/backup/keys.js";
import { type ApiClient, startWithTeam, type TestBerth, viaIngress } from "./support/berth.js";
import { backupHarness, describeTree, type TreeEntry } from "./support/backups.js";

let t: TestBerth;
let api: ApiClient;
let dep: { id: string; name: string };
let h: ReturnType<typeof backupHarness>;
let scratch: string;
/** The deployment's namespace incarnation: what its volume and backup keys are keyed by. */
let namespaceId: string;

const volume = () => t.berth.driver.volumePath(namespaceId, "counter");
const count = async () => JSON.parse((await viaIngress(t.url, `${dep.name}.localhost`)).text).count as number;

beforeAll(async () => {
  ({ t, api } = await startWithTeam());
  dep = (await api("POST", "/api/deployments", { body: { template: "counter-agent" } })).body;
  h = backupHarness(t, api, dep);
  namespaceId = await h.namespaceId();
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), "berth-links-"));
  await h.deployed();
});
afterAll(async () => {
  await t?.close();
  await fs.rm(scratch, { recursive: true, force: true });
});

const PLANTED = ["data.txt", "data-hardlink.txt", "releases", "current", "mysql.sock", "host-etc", "up"];
const PRIVILEGED = { "bin-tool": 0o4755, "group-tool": 0o2750, shared: 0o2775 };

/** The volume of the report, plus escaping link text and setuid/setgid entries. */
async function plantVolume() {
  const v = volume();
  for (const p of [...PLANTED, ...Object.keys(PRIVILEGED), "extra.txt"])
    await fs.rm(path.join(v, p), { recursive: true, force: true });
  await fs.writeFile(path.join(v, "data.txt"), "rows 1..3\n");
  for (const r of ["v1", "v2"]) {
    await fs.mkdir(path.join(v, "releases", r), { recursive: true });
    await fs.writeFile(path.join(v, "releases", r, "app.txt"), `release ${r}\n`);
  }
  await fs.symlink("releases/v2", path.join(v, "current"));
  await fs.symlink("/var/run/mysqld/mysqld.sock", path.join(v, "mysql.sock"));
  await fs.link(path.join(v, "data.txt"), path.join(v, "data-hardlink.txt"));
  await fs.symlink("/etc", path.join(v, "host-etc"));
  await fs.symlink("../../..", path.join(v, "up"));
  await fs.writeFile(path.join(v, "bin-tool"), "#!/bin/sh\necho tool\n");
  await fs.writeFile(path.join(v, "group-tool"), "#!/bin/sh\necho group\n");
  await fs.mkdir(path.join(v, "shared"));
  for (const [p, mode] of Object.entries(PRIVILEGED)) await fs.chmod(path.join(v, p), mode);
}

/** What a restore must give back: the same tree, with setuid and setgid bits cleared. */
function withoutPrivilegeBits(tree: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return Object.fromEntries(
    Object.entries(tree).map(([p, e]) => [
      p,
      e.type === "symlink" ? e : { ...e, mode: (Number.parseInt(e.mode, 8) & 0o1777).toString(8) },
    ]),
  );
}

describe.each(["restic", "volumeSnapshot"])("the %s driver", (driver) => {
  it("restores the volume byte for byte: links as links, hard links as one inode, no setuid/setgid", async () => {
    await plantVolume();
    const before = await describeTree(volume());
    expect(before).toMatchObject({
      current: { type: "symlink", linkText: "releases/v2" },
      "mysql.sock": { type: "symlink", linkText: "/var/run/mysqld/mysqld.sock" },
      "data.txt": { sameInode: ["data-hardlink.txt"] },
      "bin-tool": { mode: "4755" },
    });
    const b = await h.backup({ driver });
    expect(b).toMatchObject({ status: "succeeded", error: null });

    const v = volume();
    await fs.writeFile(path.join(v, "data.txt"), "changed\n");
    await fs.rm(path.join(v, "current"));
    await fs.rm(path.join(v, "mysql.sock"));
    await fs.writeFile(path.join(v, "mysql.sock"), "not a link");
    await fs.rm(path.join(v, "releases"), { recursive: true });
    await fs.writeFile(path.join(v, "extra.txt"), "added after the backup");

    const r = await h.restore({ backupId: b.id });
    expect(r).toMatchObject({ restoreStatus: "succeeded", phase: "completed", error: null });
    await h.deployed();
    expect(await describeTree(volume())).toEqual(withoutPrivilegeBits(before));
    expect(await fs.readlink(path.join(volume(), "mysql.sock"))).toBe("/var/run/mysqld/mysqld.sock");
    expect((await fs.stat(path.join(volume(), "bin-tool"))).mode & 0o6000).toBe(0);
    expect(await count()).toBeGreaterThanOrEqual(0);
  });
});

it("an archive backup of zeros (compressing ~230:1), a FIFO and a socket succeeds and restores", async () => {
  await h.deployed();
  const v = volume();
  const zeros = path.join(v, "preallocated.db");
  await fs.writeFile(zeros, Buffer.alloc(100 * 1024 * 1024));
  execFileSync("mkfifo", [path.join(v, "pipe")]);
  execFileSync("python3", [
    "-c",
    "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
    path.join(v, "app.sock"),
  ]);
  const b = await h.backup({ driver: "restic" });
  expect(b).toMatchObject({ status: "succeeded", error: null });
  expect(b.bytesDone * 200).toBeLessThan(100 * 1024 * 1024);
  await fs.truncate(zeros, 10);
  const r = await h.restore({ backupId: b.id });
  expect(r).toMatchObject({ restoreStatus: "succeeded", error: null });
  await h.deployed();
  const restored = await fs.readFile(zeros);
  expect(restored.length).toBe(100 * 1024 * 1024);
  expect(restored.every((byte) => byte === 0)).toBe(true);
  // not data: left out of archives (GNU tar skips sockets anyway; restores refuse FIFOs)
  await expect(fs.lstat(path.join(v, "pipe"))).rejects.toThrow();
  await expect(fs.lstat(path.join(v, "app.sock"))).rejects.toThrow();
  await fs.rm(zeros);
});

const craft = (name: string, script: string) => {
  const out = path.join(scratch, `${name}.tar.gz`);
  execFileSync("python3", [
    "-c",
    `import tarfile, io, sys\nt = tarfile.open(sys.argv[1], 'w:gz')\n${script}\nt.close()`,
    out,
  ]);
  return out;
};
const file = (name: string, data = "x") =>
  `i = tarfile.TarInfo(${JSON.stringify(name)}); d = ${JSON.stringify(data)}.encode(); i.size = len(d); t.addfile(i, io.BytesIO(d))`;
const symlink = (name: string, text: string) =>
  `i = tarfile.TarInfo(${JSON.stringify(name)}); i.type = tarfile.SYMTYPE; i.linkname = ${JSON.stringify(text)}; t.addfile(i)`;
const hardlink = (name: string, target: string) =>
  `i = tarfile.TarInfo(${JSON.stringify(name)}); i.type = tarfile.LNKTYPE; i.linkname = ${JSON.stringify(target)}; t.addfile(i)`;
const dir = (name: string) =>
  `i = tarfile.TarInfo(${JSON.stringify(name)}); i.type = tarfile.DIRTYPE; t.addfile(i)`;

describe("hostile archives: writing through a link or outside the volume is refused, the volume unchanged", () => {
  const cases: [string, string[], RegExp, string?][] = [
    [
      "through-absolute-link",
      [symlink("etc", "/etc"), file("etc/berth-pwned")],
      /etc\/berth-pwned is written through a link/,
      "/etc/berth-pwned",
    ],
    [
      "through-escaping-link",
      [symlink("up", "../../../../../../../tmp"), file("up/berth-escaped.txt")],
      /written through a link/,
      "/tmp/berth-escaped.txt",
    ],
    [
      "through-inner-link",
      [dir("releases"), symlink("cur", "releases"), file("cur/app.txt")],
      /cur\/app.txt is written through a link/,
    ],
    [
      "through-nested-link",
      [dir("a"), symlink("a/b", "/tmp"), file("a/b/c/berth-deep.txt")],
      /written through a link/,
      "/tmp/c/berth-deep.txt",
    ],
    [
      "replaces-a-link",
      [symlink("l", "/tmp/berth-replaced.txt"), file("l", "overwritten")],
      /l is written through a link/,
      "/tmp/berth-replaced.txt",
    ],
    [
      "hardlink-through-link",
      [symlink("e", "/etc"), hardlink("pw", "e/passwd")],
      /hard link pw reaches through a link/,
    ],
    ["hardlink-dotdot", [hardlink("pw", "../../../../etc/passwd")], /hard link pw points outside the volume/],
    ["hardlink-absolute", [hardlink("pw", "/etc/passwd")], /hard link pw points outside the volume/],
    ["root-is-a-link", [symlink(".", "/tmp")], /root of the archive is not a directory/],
  ];

  it.each(cases)("refuses %s", async (name, entries, problem, outside) => {
    await h.deployed();
    const before = await describeTree(volume());
    const { id } = await h.planted(name, craft(name, entries.join("\n")));
    expect(await h.restore({ backupId: id })).toMatchObject({
      restoreStatus: "failed",
      phase: "failed",
      error: expect.stringMatching(problem),
    });
    await h.deployed();
    expect(await describeTree(volume())).toEqual(before);
    if (outside) await expect(fs.lstat(outside)).rejects.toThrow();
    expect((await fs.readdir(path.dirname(volume()))).sort()).toEqual(["counter"]);
  });

  it("restores an archive of links whose text leaves the volume, as links, writing nothing outside", async () => {
    await h.deployed();
    const entries = [
      symlink("etc", "/etc"),
      symlink("up", "../../../../../../../tmp"),
      symlink("sock", "/var/run/none.sock"),
      file("data.txt", "kept"),
      hardlink("data-2.txt", "data.txt"),
      hardlink("etc-2", "etc"),
    ];
    const { id } = await h.planted("links-only", craft("links-only", entries.join("\n")));
    expect(await h.restore({ backupId: id })).toMatchObject({ restoreStatus: "succeeded", error: null });
    await h.deployed();
    expect(await describeTree(volume())).toMatchObject({
      etc: { type: "symlink", linkText: "/etc", sameInode: ["etc-2"] },
      up: { type: "symlink", linkText: "../../../../../../../tmp" },
      sock: { type: "symlink", linkText: "/var/run/none.sock" },
      "data.txt": { type: "file", sameInode: ["data-2.txt"] },
    });
  });
});

describe("archives written in format 1 (one AES-GCM stream, tag at the end)", () => {
  /** "BERTHGCM1" | iv | ciphertext | tag of a tar.gz of `src`, under a data key berth can unwrap. */
  async function formatOne(name: string, src: string, tamper = false) {
    const plain = path.join(scratch, `${name}.plain.tar.gz`);
    execFileSync("tar", ["-czf", plain, "-C", src, "."]);
    const dataKey = new BackupKeys("test-encryption-key-0123456789abcdef").newDataKey(namespaceId);
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", dataKey.key, iv);
    const body = Buffer.concat([c.update(await fs.readFile(plain)), c.final()]);
    if (tamper) body[Math.floor(body.length / 2)]! ^= 1;
    const out = path.join(scratch, `${name}.enc`);
    await fs.writeFile(out, Buffer.concat([Buffer.from("BERTHGCM1"), iv, body, c.getAuthTag()]));
    return h.planted(name, out, { wrapped_key: dataKey.wrapped, key_id: dataKey.keyId });
  }

  async function sourceTree() {
    const src = await fs.mkdtemp(path.join(scratch, "src-"));
    await fs.writeFile(path.join(src, "counter.json"), JSON.stringify({ count: 41 }));
    await fs.writeFile(path.join(src, "notes.txt"), randomBytes(300_000).toString("base64"));
    await fs.symlink("/var/run/mysqld/mysqld.sock", path.join(src, "mysql.sock"));
    return src;
  }

  it("still restores, byte for byte", async () => {
    await h.deployed();
    const src = await sourceTree();
    const { id } = await formatOne("format-1", src);
    expect(await h.restore({ backupId: id })).toMatchObject({ restoreStatus: "succeeded", error: null });
    await h.deployed();
    expect(await describeTree(volume())).toEqual(await describeTree(src));
    expect(await count()).toBe(41);
  });

  it("refuses a tampered one, leaving nothing behind", async () => {
    await h.deployed();
    const before = await describeTree(volume());
    const { id } = await formatOne("format-1-tampered", await sourceTree(), true);
    expect(await h.restore({ backupId: id })).toMatchObject({
      restoreStatus: "failed",
      error: expect.stringMatching(/authentication failed/),
    });
    await h.deployed();
    expect(await describeTree(volume())).toEqual(before);
    expect((await fs.readdir(path.dirname(volume()))).sort()).toEqual(["counter"]);
  });
});
