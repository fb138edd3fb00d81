/**
 * Stored volume archives: the tar.gz stream a runtime driver exports (RuntimeDriver.exportVolume;
 * the local driver's is made by volume-tar.ts), sealed under a per-backup data key in chunks
 * (format 2, sealed-stream.ts), with a SHA-256 checksum of the stored bytes recorded at backup time.
 * This module never sees a volume: on restore it feeds the driver's extraction (RuntimeDriver
 * .restoreVolume) and the validator the same authenticated plain bytes.
 *
 * What holds on restore: no byte reaches the extraction or the validator before it is authenticated.
 * - Format 2 (every archive berth writes): streamed in one pass; each 64 KiB chunk is released only
 *   after its tag verified, and a cut, reordered or extended stream fails before the restore counts.
 * - Anything else (format 1, "BERTHGCM1", whose one GCM tag comes at the end; or a plain tar.gz with
 *   no key): read once and verified whole (the recorded checksum, and format 1's tag) while being
 *   resealed in format 2 under a one-time key to a scratch file in `scratchDir`, which is then
 *   extracted like format 2. No plaintext is ever written to disk.
 * The restore counts only when the checksum, every tag, the validator and the extraction all agree;
 * otherwise this throws and the driver discards what it staged. A backup is held to the limits a
 * restore applies (volume-listing.ts), so an archive that was made is one that restores.
 */
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { PassThrough, Readable, Transform, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { ArchiveError } from "./archive-error.js";
import { isLegacyGcm, openLegacyGcm } from "./legacy-gcm.js";
import { isSealed, openSealed, SEALED_HEADER_BYTES, seal } from "./sealed-stream.js";
import { type ArchiveLimits, DEFAULT_LIMITS, startValidator, type Verdict } from "./validate.js";

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
 * Writes the archive stream `plain` (RuntimeDriver.exportVolume) to `outFile`, sealed under `key`
 * when given (berth always gives one), and checksums what it stored.
 */
export async function sealArchive(
  plain: Readable,
  outFile: string,
  opts: { key?: Buffer; onBytes?: (n: number) => void },
): Promise<{ bytes: number; checksum: string }> {
  const counted = tap(opts.onBytes);
  await pipeline(
    plain,
    opts.key ? seal(opts.key) : new PassThrough(),
    counted.stream,
    fs.createWriteStream(outFile),
  );
  return { bytes: counted.state.bytes, checksum: counted.state.checksum() };
}

interface RestoreOptions {
  checksum: string;
  storedBytes: number;
  key?: Buffer;
  limits?: ArchiveLimits;
  /** Where a format-1 or plain archive is resealed while it is verified (never plaintext). */
  scratchDir: string;
}

/** The runtime driver's extraction into its staging area (RuntimeDriver.restoreVolume). */
export type Extract = (plain: Readable) => Promise<void>;

/**
 * Restores a stored archive through the driver's `extract`: resolves only when the checksum, every
 * tag, the validator and the extraction agree; otherwise throws, and the driver discards what it
 * staged.
 */
export async function restoreArchive(
  source: Readable,
  extract: Extract,
  opts: RestoreOptions,
): Promise<void> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  // A keyed archive was made by berth from a volume that existed, so only the limits a backup is
  // also held to apply (a volume of zeros compresses far beyond any ratio and must still restore);
  // the ratio limit stays for an archive nobody sealed.
  const applied = { ...opts, limits: opts.key ? { ...limits, maxRatio: Number.POSITIVE_INFINITY } : limits };
  const { head, stream } = await peek(source, SEALED_HEADER_BYTES);
  if (opts.key && isSealed(head)) {
    await extractSealed(stream, opts.key, extract, applied);
  } else {
    if (opts.key && !isLegacyGcm(head)) throw new ArchiveError("not an encrypted berth archive");
    await verifyThenExtract(stream, extract, applied);
  }
}

/**
 * One pass: hashed as it arrives, opened chunk by chunk, and fed at once to the driver's extraction
 * and to the validator (a child process); a validator refusal ends the extraction at once.
 */
async function extractSealed(source: Readable, key: Buffer, extract: Extract, opts: RestoreOptions) {
  const stored = tap();
  const toDriver = new PassThrough();
  toDriver.on("error", () => undefined);
  let extractError: Error | undefined;
  const extracted = extract(toDriver).catch((err: Error) => {
    extractError = err;
    toDriver.destroy();
  });
  const validator = startValidator(opts.storedBytes, opts.limits);
  const sinks = new Map<string, Writable>([
    ["driver", toDriver],
    ["validator", validator.input],
  ]);
  let verdict: Verdict | undefined;
  void validator.verdict.then((v) => {
    verdict = v;
    sinks.delete("validator");
    if (!v.ok) {
      sinks.delete("driver");
      toDriver.destroy(new ArchiveError(`refusing to restore: ${v.problem}`));
    }
  });
  let streamError: unknown;
  try {
    await pipeline(source, stored.stream, openSealed(key), async (plain: AsyncIterable<Buffer>) => {
      for await (const chunk of plain) await Promise.all([...sinks.values()].map((s) => writeTo(s, chunk)));
    });
  } catch (err) {
    streamError = err;
  } finally {
    toDriver.end();
    validator.input.end();
  }
  const [, final] = await Promise.all([extracted, validator.verdict]);
  verdict ??= final;
  if (streamError && !(streamError instanceof ArchiveError))
    throw new ArchiveError(`could not read the archive: ${(streamError as Error).message}`);
  if (stored.state.ended && stored.state.checksum() !== opts.checksum)
    throw new ArchiveError("archive checksum does not match; refusing to restore");
  if (streamError) throw streamError;
  if (!verdict.ok) throw new ArchiveError(`refusing to restore: ${verdict.problem}`);
  if (extractError) throw new ArchiveError(`extraction failed: ${extractError.message}`);
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

/** Format 1 or plain: verified whole while resealed to a scratch file, then extracted from it. */
async function verifyThenExtract(source: Readable, extract: Extract, opts: RestoreOptions) {
  await fsp.mkdir(opts.scratchDir, { recursive: true });
  const scratch = path.join(opts.scratchDir, `restore-${randomBytes(8).toString("hex")}.sealed`);
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
    await extractSealed(fs.createReadStream(scratch), once, extract, { ...opts, checksum });
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
