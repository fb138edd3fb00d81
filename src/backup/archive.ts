/**
 * Volume archives: a tar.gz made by GNU tar (gzip or pigz) in a child process (the API's event loop
 * only moves bytes), sealed under a per-backup data key in chunks (format 2, sealed-stream.ts), with
 * a SHA-256 checksum of the stored bytes recorded at backup time.
 *
 * What holds on restore: no byte reaches GNU tar or the validator before it is authenticated.
 * - Format 2 (every archive berth writes): streamed in one pass; each 64 KiB chunk is released only
 *   after its tag verified, and a cut, reordered or extended stream fails before the restore counts.
 * - Anything else (format 1, "BERTHGCM1", whose one GCM tag comes at the end; or a plain tar.gz with
 *   no key): read once and verified whole (the recorded checksum, and format 1's tag) while being
 *   resealed in format 2 under a one-time key to a scratch file next to `dir`, which is then
 *   extracted like format 2. No plaintext is ever written to disk.
 * The staging directory counts only when the checksum, every tag, the validator and tar all agree;
 * otherwise this throws and the caller removes `dir`. A backup is held to the limits a restore
 * applies (volume-listing.ts), so an archive that was made is one that restores.
 */
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArchiveError } from "./archive-error.js";
import { secureRestoredTree, startExtraction } from "./extract.js";
import { gzipPrograms } from "./gzip.js";
import { isLegacyGcm, openLegacyGcm } from "./legacy-gcm.js";
import { isSealed, openSealed, SEALED_HEADER_BYTES, seal } from "./sealed-stream.js";
import { type ArchiveLimits, DEFAULT_LIMITS } from "./validate.js";
import { listVolume } from "./volume-listing.js";

export { ArchiveError } from "./archive-error.js";

/** Hashes (and counts) the bytes passing through; `ended` says the whole input went by. */
function tap(onBytes?: (n: number) => void) {
  const hash = createHash("sha256");
  let digest: string | undefined;
  const state = {
    bytes: 0,
    ended: false,
    checksum: () => {
      digest ??= `sha256:${hash.digest("hex")}`;
      return digest;
    },
  };
  const stream = new Transform({
    transform(chunk: Buffer, _e, cb) {
      state.bytes += chunk.length;
      hash.update(chunk);
      onBytes?.(state.bytes);
      cb(null, chunk);
    },
    flush(cb) {
      state.ended = true;
      cb();
    },
  });
  return { stream, state };
}

/**
 * Archives `sourceDir` into `outFile`, sealed under `key` when given (berth always gives one). What
 * it holds is what volume-listing.ts lists; a volume beyond `limits` fails with an ArchiveError.
 */
export async function createArchive(
  sourceDir: string,
  outFile: string,
  opts: { key?: Buffer; onBytes?: (n: number) => void; limits?: ArchiveLimits },
): Promise<{ bytes: number; checksum: string }> {
  const listing = listVolume(sourceDir, opts.limits ?? DEFAULT_LIMITS);
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
  const counted = tap(opts.onBytes);
  const out = fs.createWriteStream(outFile);
  try {
    await Promise.all([
      listing.done,
      pipeline(tar.stdout, opts.key ? seal(opts.key) : new PassThrough(), counted.stream, out),
    ]);
  } catch (err) {
    tar.kill("SIGKILL");
    throw err;
  }
  const code = await exited;
  if (code !== 0) throw new ArchiveError(`tar failed: ${stderr.trim() || `exit ${code}`}`);
  return { bytes: counted.state.bytes, checksum: counted.state.checksum() };
}

interface RestoreOptions {
  checksum: string;
  storedBytes: number;
  key?: Buffer;
  limits?: ArchiveLimits;
}

/** Restores a stored archive into `dir` (a staging directory). */
export async function restoreArchive(source: Readable, dir: string, opts: RestoreOptions): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const limits = opts.limits ?? DEFAULT_LIMITS;
  // A keyed archive was made by berth from a volume that existed, so only the limits a backup is
  // also held to apply (a volume of zeros compresses far beyond any ratio and must still restore);
  // the ratio limit stays for an archive nobody sealed.
  const applied = { ...opts, limits: opts.key ? { ...limits, maxRatio: Number.POSITIVE_INFINITY } : limits };
  const { head, stream } = await peek(source, SEALED_HEADER_BYTES);
  if (opts.key && isSealed(head)) {
    await extractSealed(stream, opts.key, dir, applied);
  } else {
    if (opts.key && !isLegacyGcm(head)) throw new ArchiveError("not an encrypted berth archive");
    await verifyThenExtract(stream, dir, applied);
  }
  await secureRestoredTree(dir);
}

/** One pass: hashed as it arrives, opened chunk by chunk, extracted and validated. */
async function extractSealed(source: Readable, key: Buffer, dir: string, opts: RestoreOptions) {
  const stored = tap();
  const extraction = startExtraction(dir, opts.storedBytes, opts.limits);
  let streamError: unknown;
  try {
    await pipeline(source, stored.stream, openSealed(key), (plain) => extraction.consume(plain));
  } catch (err) {
    streamError = err;
  }
  const result = await extraction.finish();
  if (streamError && !(streamError instanceof ArchiveError))
    throw new ArchiveError(`could not read the archive: ${(streamError as Error).message}`);
  if (stored.state.ended && stored.state.checksum() !== opts.checksum)
    throw new ArchiveError("archive checksum does not match; refusing to restore");
  if (streamError) throw streamError;
  if (!result.verdict.ok) throw new ArchiveError(`refusing to restore: ${result.verdict.problem}`);
  if (result.code !== 0)
    throw new ArchiveError(`extraction failed: ${result.stderr || `exit ${result.code}`}`);
}

/** Format 1 or plain: verified whole while resealed to a scratch file, then extracted from it. */
async function verifyThenExtract(source: Readable, dir: string, opts: RestoreOptions) {
  const scratch = `${dir}.sealed`;
  const once = randomBytes(32);
  const stored = tap();
  const resealed = tap();
  try {
    let streamError: unknown;
    await pipeline(
      source,
      stored.stream,
      opts.key ? openLegacyGcm(opts.key) : new PassThrough(),
      seal(once),
      resealed.stream,
      fs.createWriteStream(scratch),
    ).catch((err) => {
      streamError = err;
    });
    if (streamError && !(streamError instanceof ArchiveError))
      throw new ArchiveError(`could not read the archive: ${(streamError as Error).message}`);
    if (!stored.state.ended || stored.state.checksum() !== opts.checksum)
      throw new ArchiveError("archive checksum does not match; refusing to restore");
    if (streamError) throw streamError;
    const checksum = resealed.state.checksum();
    await extractSealed(fs.createReadStream(scratch), once, dir, { ...opts, checksum });
  } finally {
    await fsp.rm(scratch, { force: true });
  }
}

/** Reads the first `n` bytes (fewer if the stream is shorter) and returns the whole stream again. */
async function peek(source: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value as Buffer);
    length += (r.value as Buffer).length;
  }
  async function* all() {
    try {
      yield* first;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value as Buffer;
    } finally {
      await it.return?.();
    }
  }
  return { head: Buffer.concat(first).subarray(0, n), stream: Readable.from(all(), { objectMode: false }) };
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
