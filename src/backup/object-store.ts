/**
 * Where archives live: a local directory by default (writes go to a temporary name and are renamed
 * into place, so an interrupted upload never leaves an object under its final key), or any
 * S3-compatible store (multipart uploads, so archives up to berth's 20 GiB limit and beyond fit).
 */
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

export interface ObjectStore {
  readonly name: string;
  /** Stores the file's content under `key` (atomically: all or nothing). */
  put(key: string, file: string): Promise<void>;
  /** The object's bytes as a stream, and how many there are. */
  read(key: string): Promise<{ stream: Readable; size: number }>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

const SAFE_KEY = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export class LocalObjectStore implements ObjectStore {
  readonly name = "local";

  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    if (!SAFE_KEY.test(key) || key.split("/").includes("..")) throw new Error(`invalid object key ${key}`);
    return path.join(this.root, key);
  }

  async put(key: string, file: string): Promise<void> {
    const target = this.pathOf(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.partial`;
    await fs.copyFile(file, tmp);
    await fs.rename(tmp, target);
  }

  async read(key: string): Promise<{ stream: Readable; size: number }> {
    const file = this.pathOf(key);
    const { size } = await fs.stat(file);
    return { stream: createReadStream(file), size };
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async exists(key: string): Promise<boolean> {
    return fs
      .access(this.pathOf(key))
      .then(() => true)
      .catch(() => false);
  }
}

export interface S3Settings {
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  prefix: string;
}

/** Smallest part berth uploads (S3 allows 5 MiB), raised so no object needs more than 10,000 parts. */
export const MIN_PART_BYTES = 8 * 1024 * 1024;
const MAX_PARTS = 10_000;

/**
 * Any S3-compatible store. Uploads go from the finished local file: one PutObject below the part
 * size, otherwise a multipart upload (S3 refuses a single PutObject above 5 GB) of up to 4 parts in
 * flight. The object appears only when the upload completes, and a failed multipart upload is
 * aborted, so its parts are not left behind to be billed.
 */
export class S3ObjectStore implements ObjectStore {
  readonly name = "s3";
  private readonly client: S3Client;

  constructor(private readonly s: S3Settings) {
    this.client = new S3Client({
      region: s.region,
      endpoint: s.endpoint,
      forcePathStyle: s.forcePathStyle,
      credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
      // Many S3-compatible stores do not understand aws-chunked uploads with checksum trailers;
      // berth verifies its own SHA-256 of every archive anyway.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private key(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`invalid object key ${key}`);
    return `${this.s.prefix}${key}`;
  }

  async put(key: string, file: string): Promise<void> {
    const { size } = await fs.stat(file);
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.s.bucket,
        Key: this.key(key),
        Body: createReadStream(file),
        ContentLength: size,
      },
      partSize: Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS)),
      queueSize: 4,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async read(key: string): Promise<{ stream: Readable; size: number }> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.s.bucket, Key: this.key(key) }));
    if (!res.Body) throw new Error(`object ${key} has no body`);
    return { stream: res.Body as Readable, size: res.ContentLength ?? 0 };
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.s.bucket, Key: this.key(key) }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.s.bucket, Key: this.key(key) }));
      return true;
    } catch {
      return false;
    }
  }
}
