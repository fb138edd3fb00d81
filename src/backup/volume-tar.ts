/**
 * The local runtime driver's helpers for volume archives — the only code outside src/runtime/ that
 * is given a volume's directory, and only src/runtime/ calls it (test/driver-boundary.test.ts).
 * Archiving: what volume-listing.ts lists (directories, regular files, symlinks; hard links kept),
 * handed to GNU tar (gzip or pigz) in a child process, held to the limits a restore applies.
 * Extracting: GNU tar into an empty staging directory; links are extracted as links, their text
 * unchanged (GNU tar creates a symlink whose text is absolute or holds `..` only after every other
 * member, so nothing is written through it); afterwards no entry keeps a setuid or setgid bit.
 */
import { execFile, spawn } from "node:child_process";
import fsp from "node:fs/promises";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { ArchiveError } from "./archive-error.js";
import { gzipPrograms } from "./gzip.js";
import { type ArchiveLimits, DEFAULT_LIMITS } from "./validate.js";
import { listVolume } from "./volume-listing.js";

const run = promisify(execFile);

/**
 * The tar.gz of `sourceDir` as a stream; it errors (ArchiveError) when the volume is beyond
 * `limits` or tar fails. Destroying the stream stops tar.
 */
export function archiveStream(sourceDir: string, limits: ArchiveLimits = DEFAULT_LIMITS): Readable {
  const listing = listVolume(sourceDir, limits);
  const tar = spawn(
    "tar",
    [
      "-cf",
      "-",
      "-I",
      gzipPrograms().pack,
      "-C",
      sourceDir,
      "--null",
      "--verbatim-files-from",
      "--no-recursion",
      "-T",
      "-",
    ],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let stderr = "";
  tar.stderr.on("data", (c) => {
    stderr += String(c);
  });
  tar.stdin.on("error", () => undefined);
  const exited = new Promise<number>((resolve) => tar.once("close", (code) => resolve(code ?? 1)));
  listing.names.pipe(tar.stdin);
  const out = new PassThrough();
  const problem = Promise.all([listing.done, exited]).then(
    ([, code]) =>
      code === 0 ? undefined : new ArchiveError(`tar failed: ${stderr.trim() || `exit ${code}`}`),
    (err: Error) => err,
  );
  // the stream ends only once the listing and tar agree it is complete
  tar.stdout.pipe(out, { end: false });
  tar.stdout.once("end", () => void problem.then((err) => (err ? out.destroy(err) : out.end())));
  void listing.done.catch((err: Error) => {
    tar.kill("SIGKILL");
    out.destroy(err);
  });
  out.once("close", () => {
    if (tar.exitCode === null) tar.kill("SIGKILL");
  });
  return out;
}

/** Extracts a plain tar.gz stream into `dir` (empty); rejects when the stream breaks or tar fails. */
export async function extractInto(plain: Readable, dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const tar = spawn(
    "tar",
    ["-x", "-I", gzipPrograms().unpack, "-f", "-", "-C", dir, "--no-same-owner", "--no-overwrite-dir"],
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  let stderr = "";
  tar.stderr.on("data", (c) => {
    stderr += String(c);
  });
  tar.stdin.on("error", () => undefined);
  const exited = new Promise<number>((resolve) => tar.once("close", (c) => resolve(c ?? 1)));
  try {
    await pipeline(plain, tar.stdin);
  } catch (err) {
    tar.kill("SIGKILL");
    await exited;
    throw err;
  }
  const code = await exited;
  if (code !== 0) throw new ArchiveError(`tar failed: ${stderr.trim() || `exit ${code}`}`);
}

/**
 * Makes a restored tree safe to swap in: `dir` itself must be a real directory (not a link an
 * archive put in its place), and no entry under it keeps a setuid or setgid bit (a restore runs as
 * berth's user, so a kept bit would hand a tenant's file berth's privileges). Symlinks are left
 * alone: chmod would follow them. Runs `find` in a child process, off the API's event loop.
 */
export async function secureRestoredTree(dir: string): Promise<void> {
  const st = await fsp.lstat(dir);
  if (!st.isDirectory()) throw new ArchiveError("refusing to restore: the volume root is not a directory");
  await run("find", [
    dir,
    "-xdev",
    "!",
    "-type",
    "l",
    "-perm",
    "/6000",
    "-exec",
    "chmod",
    "u-s,g-s",
    "--",
    "{}",
    "+",
  ]);
}
