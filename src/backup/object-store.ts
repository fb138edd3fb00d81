/**
 * Where archives live. A local directory by default; writes go to a temporary name and are renamed
 * into place, so an interrupted upload never leaves an object under its final key.
 */
import fs from "node:fs/promises";
import path from "node:path";

export interface ObjectStore {
  readonly name: string;
  /** Stores the file's content under `key` (atomically: all or nothing). */
  put(key: string, file: string): Promise<void>;
  /** Copies the object to `file`. */
  get(key: string, file: string): Promise<void>;
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

  async get(key: string, file: string): Promise<void> {
    await fs.copyFile(this.pathOf(key), file);
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
