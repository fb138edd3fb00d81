/**
 * Volume archives: tar.gz made by GNU tar (gzip or pigz) in a child process (the API's event loop only moves
 * bytes), optionally encrypted with AES-256-GCM under a per-backup data key, with a SHA-256 checksum
 * of the stored bytes. Encrypted file layout: "BERTHGCM1" | iv (12) | ciphertext | tag (16).
 * Opening verifies the checksum, then decrypts to a temporary file and checks the tag before any
 * byte is extracted.
 */
import { spawn, spawnSync } from "node:child_process";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

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

export async function checksumOf(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), hash);
  return `sha256:${hash.digest("hex")}`;
}

/** Verifies and (when encrypted) decrypts a stored archive into a plain tar.gz file. */
export async function openArchive(
  file: string,
  plainOut: string,
  opts: { checksum: string; key?: Buffer },
): Promise<void> {
  if ((await checksumOf(file)) !== opts.checksum)
    throw new ArchiveError("archive checksum does not match; refusing to restore");
  if (!opts.key) {
    await fsp.copyFile(file, plainOut);
    return;
  }
  const { size } = await fsp.stat(file);
  const fh = await fsp.open(file, "r");
  try {
    const head = Buffer.alloc(MAGIC.length + 12);
    await fh.read(head, 0, head.length, 0);
    if (!head.subarray(0, MAGIC.length).equals(MAGIC) || size < head.length + 16)
      throw new ArchiveError("not an encrypted berth archive");
    const tag = Buffer.alloc(16);
    await fh.read(tag, 0, 16, size - 16);
    const decipher = createDecipheriv("aes-256-gcm", opts.key, head.subarray(MAGIC.length));
    decipher.setAuthTag(tag);
    const body = fs.createReadStream(file, { start: head.length, end: size - 17 });
    try {
      await pipeline(body, decipher, fs.createWriteStream(plainOut));
    } catch {
      throw new ArchiveError(
        "archive authentication failed (wrong key or tampered data); refusing to restore",
      );
    }
  } finally {
    await fh.close();
  }
}

/** Extracts a validated tar.gz into `dir` with GNU tar in a child process. */
export async function extractArchive(plainFile: string, dir: string): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const tar = spawn(
    "tar",
    ["-xf", plainFile, "-I", gzipPrograms().unpack, "-C", dir, "--no-same-owner", "--no-overwrite-dir"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  tar.stderr.on("data", (c) => {
    stderr += String(c);
  });
  const code = await new Promise<number>((resolve) => tar.once("close", (c) => resolve(c ?? 1)));
  if (code !== 0) throw new ArchiveError(`extraction failed: ${stderr.trim()}`);
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
