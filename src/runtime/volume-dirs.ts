/**
 * Where berth keeps workload volumes on this machine: `<dataDir>/volumes/<namespace>/<workload>`.
 * Shared by the local and container runtimes, so backups and restores see the same directories
 * whichever runtime ran the workload.
 */
import fsp from "node:fs/promises";
import path from "node:path";
import { safeKey } from "./local/logs.js";

export function volumeDir(dataDir: string, namespace: string, workload: string): string {
  return path.join(dataDir, "volumes", safeKey(namespace), safeKey(workload));
}

/** Deletes a volume directory; refuses a reference that resolves outside the volumes directory. */
export async function deleteVolumeDir(dataDir: string, namespace: string, workload: string): Promise<void> {
  const root = path.join(dataDir, "volumes");
  const dir = volumeDir(dataDir, namespace, workload);
  if (!dir.startsWith(`${root}${path.sep}`))
    throw new Error("refusing to delete outside the volumes directory");
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.rmdir(path.dirname(dir)).catch(() => undefined);
}
