/**
 * Several berth processes with the local runtime on one PostgreSQL: a control plane in a data dir
 * of its own (removed, with every process left under it, by the cleanup it registers) and its
 * `/readyz`. The first one started holds the runtime lease; a later one stands by.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type ApiClient, apiClient } from "./berth.js";
import { type BerthProcess, processesUnder, spawnBerth } from "./process.js";

export interface LocalControlPlane {
  berth: BerthProcess;
  dir: string;
  /** The admin's client of this control plane. */
  api: ApiClient;
}

/** Starts one; a short lease (1.5 s) so a standby takes over soon after the holder is killed. */
export async function localControlPlane(
  databaseUrl: string,
  admin: string,
  cleanups: (() => Promise<void>)[],
): Promise<LocalControlPlane> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-lease-"));
  const berth = await spawnBerth({
    BERTH_DATA_DIR: dir,
    DATABASE_URL: databaseUrl,
    BERTH_ADMIN_TOKEN: admin,
    // control planes sharing a store share the key of the secrets in it
    BERTH_ENCRYPTION_KEY: "lease-test-encryption-key-0123456789abcdef",
    BERTH_LEASE_TTL_MS: "1500",
    BERTH_RESYNC_MS: "300",
    BERTH_PROBE_INTERVAL_MS: "200",
  });
  cleanups.push(async () => {
    await berth.kill("SIGKILL");
    for (const pid of processesUnder(dir)) process.kill(pid, "SIGKILL");
    await fs.rm(dir, { recursive: true, force: true });
  });
  return { berth, dir, api: apiClient(berth.url, admin) };
}

export async function readyz(
  b: BerthProcess,
): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const res = await fetch(`${b.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
}
