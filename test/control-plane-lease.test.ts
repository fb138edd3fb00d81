/**
 * Two control planes with the local runtime on one PostgreSQL (issue 13 §8), as two real berth
 * processes: the second refuses to run its reconciler while the first holds the lease (a clear log
 * line, `/readyz` 503 saying why, no workload started on its machine, even for a deployment created
 * through it); once the first is killed and its lease expires, the second takes over and runs every
 * deployment.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, viaIngress, waitFor } from "./support/berth.js";
import { localControlPlane, readyz } from "./support/control-planes.js";
import { startPostgres, type TestPostgres } from "./support/postgres.js";
import { type BerthProcess, processesUnder } from "./support/process.js";

const admin = `admin-${randomBytes(16).toString("hex")}`;
const cleanups: (() => Promise<void>)[] = [];
let pg: TestPostgres;
let url: string;

beforeAll(async () => {
  pg = await startPostgres();
  cleanups.push(() => pg.stop());
  url = await pg.createDatabase("berth_lease");
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const controlPlane = () => localControlPlane(url, admin, cleanups);

describe("a second control plane with the local runtime on the same PostgreSQL", () => {
  let first: Awaited<ReturnType<typeof controlPlane>>;
  let second: Awaited<ReturnType<typeof controlPlane>>;
  const names: string[] = [];

  async function deploy(api: ApiClient, teamId: string): Promise<string> {
    const d = await api("POST", "/api/deployments", { body: { template: "hello", teamId } });
    expect(d.status, d.text).toBe(201);
    names.push(d.body.name);
    return d.body.name;
  }
  const serves = (b: BerthProcess, name: string) =>
    waitFor(
      async () => (await viaIngress(b.url, `${name}.localhost`)).status === 200,
      `${name} served`,
      30_000,
    );

  it("stands by while the first holds the lease: log line, /readyz, no workloads", async () => {
    first = await controlPlane();
    expect(await readyz(first.berth)).toEqual({
      status: 200,
      body: { status: "ready", isolation: "sandbox", missing: [] },
    });
    const team = await first.api("POST", "/api/teams", { body: { name: "lease", tier: "enterprise" } });
    await serves(first.berth, await deploy(first.api, team.body.id));

    second = await controlPlane();
    const r = await readyz(second.berth);
    expect(r.status).toBe(503);
    expect(r.body.status).toBe("not ready");
    expect(r.body.reason).toMatch(
      /^standby: control plane cp-[0-9a-f-]+ \(lease until .+\) runs the local runtime/,
    );
    expect(second.berth.output()).toContain("standby: control plane cp-");

    // a deployment created through the standby is run by the lease holder, never by the standby
    const viaStandby = await deploy(second.api, team.body.id);
    await serves(first.berth, viaStandby);
    expect(processesUnder(first.dir).length).toBeGreaterThanOrEqual(2);
    expect(processesUnder(second.dir)).toEqual([]);
    expect((await readyz(second.berth)).status).toBe(503);
  }, 120_000);

  it("takes over once the first is killed and its lease expires", async () => {
    await first.berth.kill("SIGKILL");
    await waitFor(async () => (await readyz(second.berth)).status === 200, "second ready", 30_000, 100);
    expect(second.berth.output()).toContain("took over the local-runtime lease");
    for (const name of names) await serves(second.berth, name);
    expect(processesUnder(second.dir).length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
