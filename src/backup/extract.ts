/**
 * Extraction of a plain tar.gz into a fresh staging directory: GNU tar (in a child process) extracts
 * while the validator (another child process, node-tar) reads the same bytes; a validator refusal
 * kills tar at once. Links are extracted as links, their text unchanged (absolute and dangling ones
 * too); GNU tar creates a symlink whose text is absolute or holds `..` only after every other member,
 * so nothing is written through it, and the validator refuses any member written through a link or
 * outside the directory. After extraction no entry keeps a setuid or setgid bit.
 */
import { execFile, spawn } from "node:child_process";
import fsp from "node:fs/promises";
import type { Writable } from "node:stream";
import { promisify } from "node:util";
import { ArchiveError } from "./archive-error.js";
import { gzipPrograms } from "./gzip.js";
import { type ArchiveLimits, startValidator, type Verdict } from "./validate.js";

const run = promisify(execFile);

export interface ExtractionResult {
  verdict: Verdict;
  /** GNU tar's exit code and what it said on stderr. */
  code: number;
  stderr: string;
}

export interface Extraction {
  /** Feeds the plain tar.gz to tar and the validator, with backpressure; resolves at its end. */
  consume(plain: AsyncIterable<Buffer>): Promise<void>;
  /** Ends both inputs and waits for tar's exit and the validator's verdict. */
  finish(): Promise<ExtractionResult>;
}

/** Starts extracting into `dir` (an empty directory); `compressedBytes` feeds the ratio limit. */
export function startExtraction(dir: string, compressedBytes: number, limits?: ArchiveLimits): Extraction {
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
  const tarExit = new Promise<number>((resolve) => tar.once("close", (c) => resolve(c ?? 1)));
  const validator = startValidator(compressedBytes, limits);
  const sinks = new Map<string, Writable>([
    ["tar", tar.stdin],
    ["validator", validator.input],
  ]);
  let verdict: Verdict | undefined;
  void validator.verdict.then((v) => {
    verdict = v;
    sinks.delete("validator");
    if (!v.ok) {
      sinks.delete("tar");
      tar.kill("SIGKILL");
    }
  });
  return {
    async consume(plain) {
      for await (const chunk of plain) {
        await Promise.all([...sinks.values()].map((sink) => writeTo(sink, chunk)));
      }
    },
    async finish() {
      tar.stdin.end();
      validator.input.end();
      const [code, final] = await Promise.all([tarExit, validator.verdict]);
      return { verdict: verdict ?? final, code, stderr: stderr.trim() };
    },
  };
}

/** Writes with backpressure; a sink that died (its process exited) is skipped, never waited on. */
function writeTo(sink: Writable, chunk: Buffer): Promise<void> {
  if (sink.destroyed || sink.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      sink.off("drain", done);
      sink.off("close", done);
      sink.off("error", done);
      resolve();
    };
    sink.on("error", done);
    if (sink.write(chunk)) return done();
    sink.once("drain", done);
    sink.once("close", done);
  });
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
