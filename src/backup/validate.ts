/** The archive validator: a child process that reads the plain tar.gz on stdin and returns a verdict. */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import path from "node:path";
import { fileURLToPath } from "node:url";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "validate-archive-worker.mjs");

export interface ArchiveLimits {
  /** Total size of the members, in bytes (apparent sizes). */
  maxBytes: number;
  /** Expanded ÷ stored bytes, judged above 64 MiB expanded; `Infinity` turns it off. */
  maxRatio: number;
  /** Members, directories and links included. */
  maxEntries: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxBytes: 20 * 1024 ** 3,
  maxRatio: 200,
  maxEntries: 2_000_000,
};

export interface Verdict {
  ok: boolean;
  problem?: string;
  bytes?: number;
}

export interface Validator {
  /** Takes the plain tar.gz bytes; gone once the validator has decided (a problem ends it early). */
  input: Writable;
  /** Resolves when the validator has decided; a problem may come before the input ends. */
  verdict: Promise<Verdict>;
}

export function startValidator(compressedBytes: number, limits: ArchiveLimits = DEFAULT_LIMITS): Validator {
  const child = spawn(
    process.execPath,
    [
      worker,
      String(compressedBytes),
      String(limits.maxBytes),
      String(limits.maxRatio),
      String(limits.maxEntries),
    ],
    { stdio: ["pipe", "pipe", "ignore"] },
  );
  let out = "";
  child.stdout.on("data", (c) => {
    out += String(c);
  });
  child.stdin.on("error", () => undefined);
  const verdict = new Promise<Verdict>((resolve) => {
    child.once("close", () => {
      try {
        resolve(JSON.parse(out.trim()) as Verdict);
      } catch {
        resolve({ ok: false, problem: "archive validation failed" });
      }
    });
  });
  return { input: child.stdin, verdict };
}
