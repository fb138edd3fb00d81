/**
 * Archive encryption, format 2: the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár; the
 * one `age` uses) over AES-256-GCM. The plaintext is cut into 64 KiB chunks, each sealed on its own
 * with nonce = prefix (7 random bytes) || chunk counter (uint32 BE) || last-chunk flag (1 byte), and
 * the header as associated data. Layout:
 *
 *   "BERTHSTR" | version 0x02 | chunk size (uint32 BE) | prefix (7) | chunk₀ | … | chunkₙ
 *   chunkᵢ = AES-GCM ciphertext of ≤ chunk size bytes || tag (16); only the last one carries flag 1
 *
 * What holds: `openSealed` releases a chunk's plaintext only after that chunk's tag verified, so a
 * reader never sees a byte that was not written by the key holder at that position. Reordered,
 * dropped or duplicated chunks fail (counter in the nonce), a stream cut at a chunk boundary fails
 * (no chunk with the last flag), bytes after the last chunk fail, and an edited header fails (it is
 * authenticated with every chunk). Only every chunk before the first bad one has been released.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { ArchiveError } from "./archive-error.js";

const MAGIC = Buffer.from("BERTHSTR");
const VERSION = 2;
const PREFIX_BYTES = 7;
const TAG_BYTES = 16;
/** 64 KiB, as in age: small enough to bound what is buffered, large enough that tags cost ~0.02 %. */
export const CHUNK_BYTES = 64 * 1024;
/** Largest chunk size a reader accepts from a header, so a forged header cannot make it buffer much. */
const MAX_CHUNK_BYTES = 1024 * 1024;
export const SEALED_HEADER_BYTES = MAGIC.length + 1 + 4 + PREFIX_BYTES;
const MAX_CHUNKS = 2 ** 32;

export const AUTH_FAILED = "archive authentication failed (wrong key or tampered data); refusing to restore";

/** True when `head` (the first bytes of a stored object) starts a format-2 sealed stream. */
export function isSealed(head: Buffer): boolean {
  return (
    head.length >= MAGIC.length + 1 &&
    head.subarray(0, MAGIC.length).equals(MAGIC) &&
    head[MAGIC.length] === VERSION
  );
}

function nonce(prefix: Buffer, counter: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, PREFIX_BYTES);
  n[11] = last ? 1 : 0;
  return n;
}

/** Collects incoming buffers and hands them out in exact sizes without re-copying on every write. */
class Queue {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer) {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }
  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const head = this.parts[0]!;
      const use = Math.min(head.length, n - at);
      head.copy(out, at, 0, use);
      at += use;
      if (use === head.length) this.parts.shift();
      else this.parts[0] = head.subarray(use);
    }
    this.length -= n;
    return out;
  }
}

/** Encrypts a plaintext stream into format 2 under `key` (32 bytes). */
export function seal(key: Buffer): Transform {
  const prefix = randomBytes(PREFIX_BYTES);
  const header = Buffer.alloc(SEALED_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header[MAGIC.length] = VERSION;
  header.writeUInt32BE(CHUNK_BYTES, MAGIC.length + 1);
  prefix.copy(header, MAGIC.length + 5);
  const pending = new Queue();
  let counter = 0;
  let started = false;
  const sealChunk = (self: Transform, plain: Buffer, last: boolean) => {
    if (counter >= MAX_CHUNKS) throw new ArchiveError("archive too large for one sealed stream");
    const c = createCipheriv("aes-256-gcm", key, nonce(prefix, counter++, last));
    c.setAAD(header);
    self.push(c.update(plain));
    c.final(); // GCM emits nothing here
    self.push(c.getAuthTag());
  };
  const start = (self: Transform) => {
    if (!started) self.push(header);
    started = true;
  };
  return new Transform({
    transform(chunk: Buffer, _e, cb: TransformCallback) {
      try {
        start(this);
        pending.push(chunk);
        // a full chunk is sealed as "not last" only once a byte after it exists
        while (pending.length > CHUNK_BYTES) sealChunk(this, pending.take(CHUNK_BYTES), false);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        start(this);
        sealChunk(this, pending.take(pending.length), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

/**
 * Decrypts a format-2 stream, releasing each chunk only once its tag verified. On the first bad
 * chunk it releases nothing more but keeps reading its input to the end (so a caller hashing the
 * stored bytes judges the whole object), then fails with AUTH_FAILED.
 */
export function openSealed(key: Buffer): Transform {
  const pending = new Queue();
  let header: Buffer | undefined;
  let prefix = Buffer.alloc(0);
  let chunkBytes = 0;
  let counter = 0;
  let failure: ArchiveError | undefined;
  const openChunk = (self: Transform, sealed: Buffer, last: boolean) => {
    const d = createDecipheriv("aes-256-gcm", key, nonce(prefix, counter, last));
    d.setAAD(header!);
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG_BYTES)), d.final()]);
    if (last && plain.length === 0 && counter > 0) throw new Error("empty last chunk");
    counter++;
    if (plain.length) self.push(plain);
  };
  const readHeader = () => {
    if (header || pending.length < SEALED_HEADER_BYTES) return;
    const h = pending.take(SEALED_HEADER_BYTES);
    if (!isSealed(h)) throw new ArchiveError("not a sealed berth archive");
    chunkBytes = h.readUInt32BE(MAGIC.length + 1);
    if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) throw new ArchiveError(AUTH_FAILED);
    prefix = Buffer.from(h.subarray(MAGIC.length + 5));
    header = h;
  };
  return new Transform({
    transform(chunk: Buffer, _e, cb: TransformCallback) {
      if (failure) return cb();
      try {
        pending.push(chunk);
        readHeader();
        while (header && pending.length > chunkBytes + TAG_BYTES) {
          if (counter >= MAX_CHUNKS - 1) throw new Error("too many chunks");
          openChunk(this, pending.take(chunkBytes + TAG_BYTES), false);
        }
      } catch (err) {
        failure = err instanceof ArchiveError ? err : new ArchiveError(AUTH_FAILED);
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (failure) return cb(failure);
      try {
        readHeader();
        if (!header) throw new ArchiveError("not a sealed berth archive");
        if (pending.length < TAG_BYTES) throw new Error("truncated");
        openChunk(this, pending.take(pending.length), true);
        cb();
      } catch (err) {
        cb(err instanceof ArchiveError ? err : new ArchiveError(AUTH_FAILED));
      }
    },
  });
}
