/**
 * archiveStream (the local driver's helper) holds a volume to the limits a restore applies (so a backup that succeeds is one
 * that restores) and leaves out what is not data (FIFOs, sockets): with real GNU tar and find.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { sealArchive } from "./archive.js";
import { type ArchiveLimits, DEFAULT_LIMITS } from "./validate.js";
import { archiveStream } from "./volume-tar.js";

const createArchive = (dir: string, out: string, opts: { limits?: ArchiveLimits }) =>
  sealArchive(archiveStream(dir, opts.limits), out, {});

let dir: string;
let volume: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-archive-"));
  volume = path.join(dir, "volume");
  await fs.mkdir(path.join(volume, "a"), { recursive: true });
  await fs.writeFile(path.join(volume, "a", "data.txt"), "x".repeat(1000));
  await fs.link(path.join(volume, "a", "data.txt"), path.join(volume, "same.txt"));
  await fs.symlink("/var/run/mysqld/mysqld.sock", path.join(volume, "mysql.sock"));
  execFileSync("mkfifo", [path.join(volume, "pipe")]);
  execFileSync("python3", [
    "-c",
    "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
    path.join(volume, "app.sock"),
  ]);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

it("archives directories, files, symlinks and hard links, and leaves out FIFOs and sockets", async () => {
  const out = path.join(dir, "plain.tar.gz");
  await createArchive(volume, out, {});
  const listing = execFileSync("tar", ["-tvzf", out], { encoding: "utf8" });
  const entries = listing
    .trim()
    .split("\n")
    .map((l) => l.slice(l.indexOf("./")).replace(/ link to .*/, ""));
  expect(entries.sort()).toEqual([
    "./",
    "./a/",
    "./a/data.txt",
    "./mysql.sock -> /var/run/mysqld/mysqld.sock",
    "./same.txt",
  ]);
  expect(listing).toMatch(/^h.* link to \.\//m);
});

it.each([
  [{ maxEntries: 4 }, /more than 4 entries/],
  [{ maxBytes: 999 }, /more than 999 bytes/],
])("refuses a volume beyond the restore limits %o", async (limits, problem) => {
  const out = path.join(dir, "limited.tar.gz");
  await expect(createArchive(volume, out, { limits: { ...DEFAULT_LIMITS, ...limits } })).rejects.toThrow(
    problem,
  );
});
