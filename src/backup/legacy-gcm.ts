/**
 * Archive encryption, format 1 (written by berth before format 2; read only, never written):
 * "BERTHGCM1" | iv (12) | AES-256-GCM ciphertext of the whole tar.gz | tag (16). Its one tag is
 * checked at the very end, so its plaintext is unauthenticated until the stream ends: callers must
 * not hand any of it to a parser before `flush` succeeded (archive.ts reseals it first).
 */
import { createDecipheriv, type DecipherGCM } from "node:crypto";
import { Transform } from "node:stream";
import { ArchiveError } from "./archive-error.js";
import { AUTH_FAILED } from "./sealed-stream.js";

const MAGIC = Buffer.from("BERTHGCM1");
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function isLegacyGcm(head: Buffer): boolean {
  return head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Decrypts format 1 as it streams; fails at the end when the tag does not verify. */
export function openLegacyGcm(key: Buffer): Transform {
  const headerLength = MAGIC.length + IV_BYTES;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  let decipher: DecipherGCM | undefined;
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      let data = chunk;
      if (!decipher) {
        head = Buffer.concat([head, data]);
        if (head.length < headerLength) return cb();
        if (!isLegacyGcm(head)) return cb(new ArchiveError("not an encrypted berth archive"));
        decipher = createDecipheriv("aes-256-gcm", key, head.subarray(MAGIC.length, headerLength));
        data = head.subarray(headerLength);
      }
      const all = tail.length ? Buffer.concat([tail, data]) : data;
      const cut = Math.max(0, all.length - TAG_BYTES);
      tail = Buffer.from(all.subarray(cut));
      cb(null, cut > 0 ? decipher.update(all.subarray(0, cut)) : undefined);
    },
    flush(cb) {
      if (!decipher || tail.length < TAG_BYTES) return cb(new ArchiveError("not an encrypted berth archive"));
      try {
        decipher.setAuthTag(tail);
        cb(null, decipher.final());
      } catch {
        cb(new ArchiveError(AUTH_FAILED));
      }
    },
  });
}
