/**
 * Several berth processes with the local runtime on one PostgreSQL: a control plane in a data dir
 * of its own (removed, with every process left under it, by the cleanup it registers) and its
 * `/readyz`. The first one started holds the runtime lease; a later one stands by.
 */
import { type ApiClient, apiClient } from "./berth.js";
import { type BerthProcess, berthDataDir, spawnBerth } from "./process.js";

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
  const data = await berthDataDir("berth-lease-", {
    DATABASE_URL: databaseUrl,
    BERTH_ADMIN_TOKEN: admin,
    // control planes sharing a store share the key of the secrets in it
    BERTH_ENCRYPTION_KEY: "lease-test-encryption-key-0123456789abcdef",
    BERTH_LEASE_TTL_MS: "1500",
    BERTH_RESYNC_MS: "300",
    BERTH_PROBE_INTERVAL_MS: "200",
  });
  const berth = await spawnBerth(data.env);
  cleanups.push(() => data.remove(berth));
  return { berth, dir: data.dir, api: apiClient(berth.url, admin) };
}

export async function readyz(
  b: BerthProcess,
): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const res = await fetch(`${b.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
}
