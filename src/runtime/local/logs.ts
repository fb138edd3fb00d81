/**
 * Replica log files: `<dataDir>/logs/<key>/<replica>.log`, written by the process itself (O_APPEND),
 * so they survive the control plane. Tail reads from the end; follow polls for growth and starts
 * over after a truncation; rotation renames at start and copy-truncates files that grow too large.
 */
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";

const TAIL_READ_MAX = 8 * 1024 * 1024;
const KEEP_ROTATED = 3;

export const safeKey = (key: string): string => key.replace(/[^A-Za-z0-9_.-]/g, "_");

export class LogFiles {
  constructor(
    private readonly root: string,
    private readonly maxBytes: number,
  ) {}

  dir(key: string): string {
    return path.join(this.root, safeKey(key));
  }

  file(key: string, replica: number): string {
    return path.join(this.dir(key), `${replica}.log`);
  }

  /** Opens the replica's log for appending, rotating first when it is over the limit. */
  open(key: string, replica: number): number {
    const file = this.file(key, replica);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      if (fs.statSync(file).size > this.maxBytes) this.rotate(file);
    } catch {
      // no file yet
    }
    return fs.openSync(file, "a");
  }

  private rotate(file: string): void {
    for (let i = KEEP_ROTATED - 1; i >= 1; i--) {
      try {
        fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`);
      } catch {
        // nothing to shift
      }
    }
    fs.renameSync(file, `${file}.1`);
  }

  /** Copy-truncate: the writer keeps its O_APPEND descriptor and continues at offset 0. */
  async truncateIfLarge(key: string, replica: number): Promise<void> {
    const file = this.file(key, replica);
    try {
      if ((await fsp.stat(file)).size <= this.maxBytes) return;
      for (let i = KEEP_ROTATED - 1; i >= 1; i--)
        await fsp.rename(`${file}.${i}`, `${file}.${i + 1}`).catch(() => undefined);
      await fsp.copyFile(file, `${file}.1`);
      await fsp.truncate(file, 0);
    } catch {
      // file vanished meanwhile
    }
  }

  async tail(key: string, replicas: number[], lines: number): Promise<string> {
    if (lines === 0) return "";
    const parts: string[] = [];
    for (const r of replicas) {
      const text = await readEnd(this.file(key, r));
      const all = text.split("\n");
      if (all.at(-1) === "") all.pop();
      parts.push(...all.slice(-lines));
    }
    const out = parts.slice(-lines);
    return out.length > 0 ? `${out.join("\n")}\n` : "";
  }

  /** New lines from now on: the current ends of the files are taken when this is called. */
  follow(key: string, replicas: () => number[], signal: AbortSignal, pollMs = 100): AsyncGenerator<string> {
    const offsets = new Map<number, number>();
    for (const r of replicas()) {
      try {
        offsets.set(r, fs.statSync(this.file(key, r)).size);
      } catch {
        offsets.set(r, 0);
      }
    }
    return this.lines(key, replicas, signal, pollMs, offsets);
  }

  private async *lines(
    key: string,
    replicas: () => number[],
    signal: AbortSignal,
    pollMs: number,
    offsets: Map<number, number>,
  ): AsyncGenerator<string> {
    // Lines are cut from bytes and decoded whole, so a character split across two reads stays intact.
    const partial = new Map<number, Buffer>();
    while (!signal.aborted) {
      for (const r of replicas()) {
        const file = this.file(key, r);
        const current = await size(file);
        let offset = offsets.get(r) ?? 0;
        if (current < offset) offset = 0;
        if (current > offset) {
          const chunk = await readBytes(file, offset, current);
          offsets.set(r, current);
          let bytes = Buffer.concat([partial.get(r) ?? Buffer.alloc(0), chunk]);
          for (let nl = bytes.indexOf(0x0a); nl !== -1; nl = bytes.indexOf(0x0a)) {
            const end = nl > 0 && bytes[nl - 1] === 0x0d ? nl - 1 : nl; // CRLF ends a line too
            yield bytes.subarray(0, end).toString("utf8");
            bytes = bytes.subarray(nl + 1);
          }
          partial.set(r, bytes);
        } else {
          offsets.set(r, offset);
        }
      }
      await sleep(pollMs, signal);
    }
  }

  async remove(key: string): Promise<void> {
    await fsp.rm(this.dir(key), { recursive: true, force: true });
  }
}

async function size(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

async function readEnd(file: string): Promise<string> {
  const end = await size(file);
  const start = Math.max(0, end - TAIL_READ_MAX);
  const text = await readRange(file, start, end);
  return start > 0 ? text.slice(text.indexOf("\n") + 1) : text;
}

async function readRange(file: string, start: number, end: number): Promise<string> {
  return (await readBytes(file, start, end)).toString("utf8");
}

async function readBytes(file: string, start: number, end: number): Promise<Buffer> {
  if (end <= start) return Buffer.alloc(0);
  const fh = await fsp.open(file, "r").catch(() => undefined);
  if (!fh) return Buffer.alloc(0);
  try {
    const buf = Buffer.alloc(end - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
