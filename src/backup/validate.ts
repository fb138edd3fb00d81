/** Runs the archive validator in a child process and returns its verdict. */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ArchiveError } from "./archive.js";

const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), "validate-archive-worker.mjs");

export interface ArchiveLimits {
  maxBytes: number;
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxBytes: 20 * 1024 ** 3,
  maxRatio: 200,
  maxEntries: 2_000_000,
};

export async function validateArchive(
  plainFile: string,
  limits: ArchiveLimits = DEFAULT_LIMITS,
): Promise<{ bytes: number }> {
  const child = spawn(
    process.execPath,
    [worker, plainFile, String(limits.maxBytes), String(limits.maxRatio), String(limits.maxEntries)],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (c) => {
    out += String(c);
  });
  await new Promise((r) => child.once("close", r));
  let verdict: { ok: boolean; problem?: string; bytes?: number };
  try {
    verdict = JSON.parse(out.trim()) as typeof verdict;
  } catch {
    throw new ArchiveError("archive validation failed");
  }
  if (!verdict.ok) throw new ArchiveError(`refusing to restore: ${verdict.problem}`);
  return { bytes: verdict.bytes ?? 0 };
}
