/**
 * Several control planes on one PostgreSQL with the kubernetes runtime (issue 17, "Several control
 * planes"), as two real berth processes against the Kubernetes API double: both are ready and
 * serve the API and the ingress; 100 concurrent conflicting operations sent to both → exactly one
 * wins; the control plane running a backup is killed with SIGKILL → the other finishes it from its
 * saved phase within the operation lease; a schedule fires once per fire time across both.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg0 from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, servesViaIngress, teamWithKey, waitFor } from "./support/berth.js";
import { type KubeDouble, startKubeDouble } from "./support/kube-double/index.js";
import {
  firstInvalid,
  notesTemplate,
  recordRbacUse,
  snapshotClassSeed,
  validateSent,
} from "./support/kube-driver-run.js";
import { freePort, startPostgres, type TestPostgres } from "./support/postgres.js";
import { type BerthProcess, spawnBerth } from "./support/process.js";
import { counterSchedule, expectEachFireTimeOnce, pauseAndSettle, runsOf } from "./support/schedules.js";

const pgClient = pg0.Client;
const admin = `admin-${randomBytes(16).toString("hex")}`;
const DOMAIN = "apps.example.test";

const cleanups: (() => Promise<void>)[] = [];
let pg: TestPostgres;
let dbl: KubeDouble;
let env: Record<string, string>;
let a: BerthProcess;
let b: BerthProcess;
let portA: number;

async function controlPlane(extra: Record<string, string>): Promise<BerthProcess> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "berth-kcp-"));
  const p = await spawnBerth({ ...env, BERTH_DATA_DIR: dir, ...extra });
  cleanups.push(async () => {
    await p.kill("SIGKILL");
    await fs.rm(dir, { recursive: true, force: true });
  });
  return p;
}

beforeAll(async () => {
  pg = await startPostgres();
  cleanups.push(() => pg.stop());
  const url = await pg.createDatabase("berth_kube_control_planes");
  dbl = await startKubeDouble({ validate: validateSent, seed: snapshotClassSeed() });
  // the activator a paused workload's Ingress points at is control plane A's address
  portA = await freePort();
  env = {
    DATABASE_URL: url,
    BERTH_ADMIN_TOKEN: admin,
    // control planes sharing a store share the key of the secrets in it
    BERTH_ENCRYPTION_KEY: "kube-control-planes-encryption-key-0123456789",
    BERTH_RUNTIME: "kubernetes",
    BERTH_KUBECONFIG: dbl.kubeconfigPath,
    BERTH_DOMAIN: DOMAIN,
    BERTH_K8S_INGRESS_HOST: `{name}.${DOMAIN}`,
    BERTH_K8S_ACTIVATOR: `127.0.0.1:${portA}`,
    BERTH_LEASE_TTL_MS: "1500",
    BERTH_OPERATION_LEASE_MS: "1500",
    BERTH_RESYNC_MS: "500",
  };
  a = await controlPlane({ PORT: String(portA) });
  b = await controlPlane({});
}, 120_000);

// biome-ignore lint/correctness/noEmptyPattern: vitest hands hooks their fixtures first and the suite second
afterAll(async ({}, suite) => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  if (dbl) recordRbacUse(dbl.requests());
  await dbl?.close();
  await recordRbacUse.flush("test/kubernetes-control-planes.test.ts", suite);
  if (firstInvalid.error) throw firstInvalid.error;
}, 120_000);

const readyz = async (p: BerthProcess) => {
  const res = await fetch(`${p.url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
};

const teamKey = async (url: string) => (await teamWithKey(apiClient(url, admin))).key;

/** A template deployment with a volume, created through `api`; resolves once ready. */
async function deployNotes(api: ApiClient, name: string): Promise<{ id: string; name: string }> {
  const tpl = await api("POST", "/api/templates", { body: { slug: name, config: notesTemplate } });
  expect(tpl.status, tpl.text).toBe(201);
  const res = await api("POST", "/api/deployments", { body: { template: name, name } });
  expect(res.status, res.text).toBe(201);
  await waitFor(
    async () => {
      const s = await api<{ status: string }>("GET", `/api/deployments/status?name=${name}`);
      if (s.body.status === "Error") throw new Error(`${name} failed: ${s.text}`);
      return s.body.status === "Ready";
    },
    `${name} ready`,
    90_000,
    100,
  );
  const list = await api<{ deployments: { id: string; name: string }[] }>(
    "GET",
    "/api/cloud-saas/deployments",
  );
  return list.body.deployments.find((d) => d.name === name)!;
}

describe("two control planes on one PostgreSQL with the kubernetes runtime", () => {
  let keyA: string;

  it("are both ready, and both serve the API and every deployment's ingress", async () => {
    expect(await readyz(a)).toMatchObject({ status: 200, body: { status: "ready" } });
    expect(await readyz(b)).toMatchObject({ status: 200, body: { status: "ready" } });
    keyA = await teamKey(a.url);
    // created through B, whichever of the two reconciles
    const dep = await deployNotes(apiClient(b.url, keyA), "shared");
    for (const p of [a, b]) {
      expect(await servesViaIngress(p.url, `shared.${DOMAIN}`, "/set/both", /ok/)).toBe("ok");
      expect(await servesViaIngress(p.url, `shared.${DOMAIN}`, "/", /note:/)).toBe("note: both");
    }
    const fromA = await apiClient(a.url, keyA)("GET", `/api/cloud-saas/deployments/${dep.id}`);
    expect(fromA.body.deployment.status).toBe("deployed");
  }, 180_000);

  it("never runs two of 100 concurrent conflicting operations at once, whichever control plane gets them", async () => {
    const key = await teamKey(b.url);
    const dep = await deployNotes(apiClient(a.url, key), "contended");
    const cloud = (action: string) => `/api/cloud-saas/deployments/${dep.id}/${action}`;
    const clients = [apiClient(a.url, key), apiClient(b.url, key)];
    const db = new pgClient({ connectionString: env.DATABASE_URL });
    await db.connect();
    cleanups.push(() => db.end());
    const inNamespace = async () =>
      (
        await db.query<{ created_at: string; updated_at: string }>(
          "SELECT created_at, updated_at FROM operations WHERE namespace = (SELECT namespace_id FROM deployments WHERE id = $1) ORDER BY created_at",
          [dep.id],
        )
      ).rows;
    const before = (await inNamespace()).length;
    // backups, pauses and redeploys of one deployment: each takes its namespace's operation lock
    const calls = Array.from({ length: 100 }, (_, i) => {
      const api = clients[i % 2]!;
      if (i % 3 === 0) return api("POST", cloud("backups"), { body: { driver: "restic" } });
      if (i % 3 === 1) return api("POST", cloud("pause"), { body: {} });
      return api("POST", cloud("redeploy"), { body: {} });
    });
    const answers = await Promise.all(calls);
    const won = answers.filter((r) => r.status === 200 || r.status === 202);
    const refused = answers.filter((r) => r.status === 409 || r.status === 422);
    expect(won.length, "an operation started").toBeGreaterThanOrEqual(1);
    expect(won.length + refused.length, answers.map((r) => `${r.status} ${r.text}`).join("\n")).toBe(100);
    for (const r of refused) expect(r.body, r.text).toMatchObject({ ok: false });
    // Refused while one runs; once it has finished (a fast pause) a later call may start its own
    // (or find the deployment paused already): never two at once, on either control plane.
    await waitFor(async () => {
      const { rows } = await db.query("SELECT 1 FROM operations WHERE status = 'running'");
      return rows.length === 0 ? true : undefined;
    }, "operations finished");
    const started = (await inNamespace()).slice(before);
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started.length).toBeLessThanOrEqual(won.length);
    for (let i = 1; i < started.length; i++)
      expect(started[i]!.created_at >= started[i - 1]!.updated_at, JSON.stringify(started)).toBe(true);
    const backups = (await clients[0]!("GET", cloud("backups"))).body.backups as unknown[];
    expect(backups.length).toBe(won.filter((r) => r.text.includes('"backup"')).length);
  }, 180_000);

  it("finishes a backup on the other control plane when the one running it is killed", async () => {
    const key = await teamKey(a.url);
    const apiA = apiClient(a.url, key);
    const dep = await deployNotes(apiA, "survivor");
    expect(await servesViaIngress(b.url, `survivor.${DOMAIN}`, "/set/kept", /ok/)).toBe("ok");
    // enough data in the volume that the archive is still being made when A dies
    const namespace = dbl
      .objects("StatefulSet")
      .find((o) => o.metadata?.labels?.["berth.dev/deployment"] === dep.id)?.metadata?.namespace;
    const claim = dbl
      .objects("PersistentVolumeClaim")
      .find(
        (c) =>
          c.metadata?.namespace === namespace &&
          c.metadata?.labels?.["berth.dev/volume"] === "notes" &&
          !c.metadata?.deletionTimestamp,
      );
    expect(claim, "the deployment's PVC").toBeDefined();
    const volume = path.join(dbl.dataDir, "volumes", claim!.metadata!.uid!);
    await fs.writeFile(path.join(volume, "bulk.bin"), randomBytes(96 * 1024 * 1024));

    const cloud = (action: string) => `/api/cloud-saas/deployments/${dep.id}/${action}`;
    const started = await apiA("POST", cloud("backups"), { body: { driver: "restic" } });
    expect(started.status, started.text).toBe(202);
    const backupId = started.body.backup.id as string;
    const apiB = apiClient(b.url, key);
    const backupOf = async (api: ApiClient) =>
      (await api("GET", cloud("backups"))).body.backups.find((x: { id: string }) => x.id === backupId);
    await waitFor(async () => (await backupOf(apiA))?.phase === "object-archiving", "archiving", 60_000, 20);
    await a.kill("SIGKILL");

    const finished = await waitFor(
      async () => {
        const bk = await backupOf(apiB);
        return bk && bk.status !== "running" ? bk : undefined;
      },
      "backup finished by the other control plane",
      120_000,
      200,
    );
    expect(finished, JSON.stringify(finished)).toMatchObject({ status: "succeeded", phase: "completed" });
    // the namespace lock is free and B serves on its own: restore what was backed up
    expect(await servesViaIngress(b.url, `survivor.${DOMAIN}`, "/set/later", /ok/)).toBe("ok");
    // the backup's record ends a moment before its operation releases the namespace: 409 until then
    const restore = await waitFor(
      async () => {
        const r = await apiB("POST", cloud("restore"), { body: { backupId } });
        return r.status === 409 ? undefined : r;
      },
      "restore accepted",
      30_000,
      200,
    );
    expect(restore.status, restore.text).toBe(202);
    await waitFor(
      async () => {
        const bk = await backupOf(apiB);
        return bk?.restoreStatus === "succeeded" || bk?.restoreStatus === "failed" ? bk : undefined;
      },
      "restore finished",
      120_000,
      200,
    );
    expect((await backupOf(apiB)).restoreStatus).toBe("succeeded");
    expect(await servesViaIngress(b.url, `survivor.${DOMAIN}`, "/", /note:/)).toBe("note: kept");
    // A comes back as a follower or leader; either way it is ready and serves
    a = await controlPlane({ PORT: String(portA) });
    expect(await readyz(a)).toMatchObject({ status: 200 });
  }, 300_000);

  it("fires a schedule once per fire time across both control planes", async () => {
    // a session reads its input and ends (the image catalogue's agents need their images in a cluster)
    const session = {
      name: "session",
      command: "node",
      args: ["-e", "process.stdin.resume(); process.stdin.on('end', () => console.log('tick done'))"],
    };
    const { api, id, key } = await counterSchedule(a.url, admin, "*/2 * * * * *", session);
    await waitFor(
      async () => (await runsOf(api, id)).filter((r) => r.status === "completed").length >= 5,
      "5 completed runs",
      90_000,
      250,
    );
    const runs = await pauseAndSettle(apiClient(b.url, key), id);
    expectEachFireTimeOnce(
      runs.filter((r) => r.trigger !== "manual"),
      2000,
    );
    expect(runs.filter((r) => r.status === "completed").length).toBeGreaterThanOrEqual(5);
  }, 150_000);
});
