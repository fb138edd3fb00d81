/**
 * Volume archives: tar.gz made by GNU tar (gzip or pigz) in a child process (the API's event loop only moves
 * bytes), optionally encrypted with AES-256-GCM under a per-backup data key, with a SHA-256 checksum
 * of the stored bytes. Encrypted file layout: "BERTHGCM1" | iv (12) | ciphertext | tag (16).
 * Opening verifies the checksum, then decrypts to a temporary file and checks the tag before any
 * byte is extracted.
 */
import { spawn, spawnSync } from "node:child_process";
import { createCipheriv, createDecipheriv, createHash, type DecipherGCM, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { PassThrough, type Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ArchiveLimits, startValidator, type Verdict } from "./validate.js";

const MAGIC = Buffer.from("BERTHGCM1");

/**
 * gzip level 1 (a volume's data is mostly already dense; level 6 costs ~3× the CPU for a few per
 * cent), on every core with pigz when it is installed. Decided once, on first use.
 */
let compressor: { pack: string; unpack: string } | undefined;
function gzipPrograms(): { pack: string; unpack: string } {
  compressor ??=
    spawnSync("sh", ["-c", "command -v pigz"], { stdio: "ignore" }).status === 0
      ? { pack: "pigz -1", unpack: "pigz" }
      : { pack: "gzip -1", unpack: "gzip" };
  return compressor;
}

export class ArchiveError extends Error {}

export async function createArchive(
  sourceDir: string,
  outFile: string,
  opts: { key?: Buffer; onBytes?: (n: number) => void },
): Promise<{ bytes: number; checksum: string }> {
  const tar = spawn("tar", ["-cf", "-", "-I", gzipPrograms().pack, "-C", sourceDir, "."], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  tar.stderr.on("data", (c) => {
    stderr += String(c);
  });
  const exited = new Promise<number>((resolve) => tar.once("close", (code) => resolve(code ?? 1)));
  const hash = createHash("sha256");
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _e, cb) {
      bytes += chunk.length;
      hash.update(chunk);
      opts.onBytes?.(bytes);
      cb(null, chunk);
    },
  });
  const out = fs.createWriteStream(outFile);
  if (opts.key) {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", opts.key, iv);
    const header = Buffer.concat([MAGIC, iv]);
    const withTag = new Transform({
      transform(chunk: Buffer, _e, cb) {
        cb(null, chunk);
      },
      flush(cb) {
        cb(null, cipher.getAuthTag());
      },
    });
    out.write(header);
    hash.update(header);
    bytes += header.length;
    await pipeline(tar.stdout, cipher, withTag, count, out);
  } else {
    await pipeline(tar.stdout, count, out);
  }
  const code = await exited;
  if (code !== 0) throw new ArchiveError(`tar failed: ${stderr.trim() || `exit ${code}`}`);
  return { bytes, checksum: `sha256:${hash.digest("hex")}` };
}

/**
 * Restores a stored archive into `dir` (a staging directory) in one pass: the stored bytes are
 * hashed and decrypted as they arrive, and the plain tar.gz goes at once to GNU tar, extracting, and
 * to the validator. The staging directory counts only when the checksum, the GCM tag, the validator
 * and tar all agree; otherwise this throws and the caller removes `dir`. A validator problem stops
 * tar at once (a decompression bomb never fills the disk); the stored bytes are still read to the
 * end so the checksum and tag are judged first. GNU tar refuses `..` and absolute member names and
 * defers risky symlinks on its own, so nothing is written outside `dir` meanwhile.
 */
export async function restoreArchive(
  source: Readable,
  dir: string,
  opts: { checksum: string; storedBytes: number; key?: Buffer; limits?: ArchiveLimits },
): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const hash = createHash("sha256");
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const tar = spawn(
    "tar",
    ["-x", "-I", gzipPrograms().unpack, "-f", "-", "-C", dir, "--no-same-owner", "--no-overwrite-dir"],
    { stdio: ["pipe", "ignore", "pipe"] },
  );
  let tarErr = "";
  tar.stderr.on("data", (c) => {
    tarErr += String(c);
  });
  tar.stdin.on("error", () => undefined);
  const tarExit = new Promise<number>((resolve) => tar.once("close", (c) => resolve(c ?? 1)));
  const validator = startValidator(opts.storedBytes, opts.limits);
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
  const fanOut = async (plain: AsyncIterable<Buffer>) => {
    for await (const chunk of plain) {
      await Promise.all([...sinks.values()].map((sink) => writeTo(sink, chunk)));
    }
  };
  let streamError: unknown;
  try {
    await pipeline(source, tap, opts.key ? decryptStream(opts.key) : new PassThrough(), fanOut);
  } catch (err) {
    streamError = err;
  } finally {
    tar.stdin.end();
    validator.input.end();
  }
  const [code, final] = await Promise.all([tarExit, validator.verdict]);
  verdict ??= final;
  if (streamError && !(streamError instanceof ArchiveError))
    throw new ArchiveError(`could not read the archive: ${(streamError as Error).message}`);
  if (`sha256:${hash.digest("hex")}` !== opts.checksum)
    throw new ArchiveError("archive checksum does not match; refusing to restore");
  if (streamError) throw streamError;
  if (!verdict.ok) throw new ArchiveError(`refusing to restore: ${verdict.problem}`);
  if (code !== 0) throw new ArchiveError(`extraction failed: ${tarErr.trim() || `exit ${code}`}`);
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

/** Decrypts "BERTHGCM1" | iv | ciphertext | tag as it streams; the tag is checked at the end. */
function decryptStream(key: Buffer): Transform {
  const headerLength = MAGIC.length + 12;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      let data = chunk;
      if (!decipher) {
        head = Buffer.concat([head, data]);
        if (head.length < headerLength) return cb();
        if (!head.subarray(0, MAGIC.length).equals(MAGIC))
          return cb(new ArchiveError("not an encrypted berth archive"));
        decipher = createDecipheriv("aes-256-gcm", key, head.subarray(MAGIC.length, headerLength));
        data = head.subarray(headerLength);
      }
      const all = tail.length ? Buffer.concat([tail, data]) : data;
      const cut = Math.max(0, all.length - 16);
      tail = Buffer.from(all.subarray(cut));
      cb(null, cut > 0 ? decipher.update(all.subarray(0, cut)) : undefined);
    },
    flush(cb) {
      if (!decipher || tail.length < 16) return cb(new ArchiveError("not an encrypted berth archive"));
      try {
        decipher.setAuthTag(tail);
        cb(null, decipher.final());
      } catch {
        cb(
          new ArchiveError("archive authentication failed (wrong key or tampered data); refusing to restore"),
        );
      }
    },
  });
}

/** Size of a directory tree in bytes (for progress), computed by `du` in a child process. */
export async function dirBytes(dir: string): Promise<number> {
  const du = spawn("du", ["-sb", dir], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  du.stdout.on("data", (c) => {
    out += String(c);
  });
  await new Promise((r) => du.once("close", r));
  return Number.parseInt(out, 10) || 0;
}
