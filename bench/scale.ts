/**
 * bench/scale: berth with 10,000 deployments and 1,000 cron schedules.
 *
 * Deployments: one `hello` deployment is created through the API; its rows are then cloned through
 * the store into BENCH_DEPLOYMENTS records spread over teams of BENCH_TEAM_SIZE (90% paused, the
 * rest stopped: records without processes), and BENCH_RUNNING real running deployments are created
 * through the API. Measured: start-up time with every record in the store, list-page latency
 * p50/p99 on each surface and the status route (sequential requests on one keep-alive connection,
 * next to a bare Fastify hello measured the same way in the same run), control-plane RSS, and the
 * control plane's idle CPU (reconciler and resync) over BENCH_IDLE_S seconds.
 * Schedules: BENCH_SCHEDULES schedules firing every minute (`* * * * *`), each running `true`;
 * firing delay = when the run was claimed minus its fire time, over BENCH_MINUTES minutes; and the
 * status route's latency during the first BENCH_STORM_S seconds of a minute in which they all fire.
 * Targets (PERFORMANCE.md): list p99 ≤ 20 ms, RSS ≤ 300 MB, firing delay p99 ≤ 100 ms.
 *   npm run bench:scale
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { newId } from "../src/domain/ids.js";
import { openDb } from "../src/store/db.js";
import { apiClient, teamWithKey, waitFor } from "../test/support/berth.js";
import { type BerthProcess, processesUnder, spawnBerth } from "../test/support/process.js";
import { startProcess } from "./lib.js";

const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 10_000);
const TEAM_SIZE = Number(process.env.BENCH_TEAM_SIZE ?? 100);
const RUNNING = Number(process.env.BENCH_RUNNING ?? 30);
const SCHEDULES = Number(process.env.BENCH_SCHEDULES ?? 1_000);
const MINUTES = Number(process.env.BENCH_MINUTES ?? 2);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const STORM_S = Number(process.env.BENCH_STORM_S ?? 20);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "berth-bench-scale-"));
const admin = `admin-${randomBytes(16).toString("hex")}`;
const env = {
  BERTH_DATA_DIR: dataDir,
  BERTH_ADMIN_TOKEN: admin,
  BERTH_LOG_LEVEL: "warn",
  BERTH_ENCRYPTION_KEY: "bench-encryption-key-0123456789abcdef",
  BERTH_ALLOWED_COMMANDS: "true,node",
};
const dbUrl = `sqlite:${path.join(dataDir, "berth.db")}`;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const ms = (n: number) => `${n.toFixed(2)} ms`;

/**
 * Latencies of `n` sequential GETs on one keep-alive connection (after 30 unmeasured ones), or of
 * as many as fit in `forMs` when given.
 */
async function latencies(
  url: string,
  token: string | undefined,
  n = REQUESTS,
  forMs?: number,
): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      const req = http.get(
        url,
        { agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200
              ? resolve(performance.now() - t)
              : reject(new Error(`${url} answered ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
    });
  for (let i = 0; i < 30; i++) await one();
  const out: number[] = [];
  const end = forMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + forMs;
  for (let i = 0; forMs !== undefined ? performance.now() < end : i < n; i++) out.push(await one());
  agent.destroy();
  return out;
}

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

function memory(pid: number): { rss: number; peak: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, "m").exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb("VmRSS"), peak: kb("VmHWM") };
}

/** Starts berth and returns it with the time from spawn until /readyz answers 200. */
async function start(): Promise<{ berth: BerthProcess; startMs: number }> {
  const t = performance.now();
  const berth = await spawnBerth(env);
  await waitFor(async () => (await fetch(`${berth.url}/readyz`)).status === 200, "readyz");
  return { berth, startMs: performance.now() - t };
}

/** Clones the prototype deployment's rows into `count` records over teams of TEAM_SIZE. */
async function seed(protoId: string, count: number, firstTeam: string): Promise<void> {
  const opened = await openDb(dbUrl);
  const db = opened.db;
  const proto = await db
    .selectFrom("deployments")
    .selectAll()
    .where("id", "=", protoId)
    .executeTakeFirstOrThrow();
  const work = await db.selectFrom("workloads").selectAll().where("deployment_id", "=", protoId).execute();
  const team = await db.selectFrom("teams").selectAll().where("id", "=", firstTeam).executeTakeFirstOrThrow();
  const teams = [firstTeam];
  const now = new Date().toISOString();
  await db.transaction().execute(async (tx) => {
    for (let t = 1; t * TEAM_SIZE < count + RUNNING + 1; t++) {
      const id = newId();
      teams.push(id);
      await tx
        .insertInto("teams")
        .values({ ...team, id, name: `bench-${t}` })
        .execute();
    }
    const paused = Math.round(DEPLOYMENTS * 0.9);
    for (let start = 0; start < count; start += 500) {
      const deps = [];
      const workloads = [];
      const namespaces = [];
      for (let i = start; i < Math.min(count, start + 500); i++) {
        // the bench team keeps room for the running deployments the API creates next
        const teamId = teams[Math.floor((i + RUNNING + 1) / TEAM_SIZE)]!;
        const id = newId();
        const namespaceId = newId();
        const name = `s${i.toString(36).padStart(9, "0")}`;
        deps.push({
          ...proto,
          id,
          name,
          namespace: name,
          namespace_id: namespaceId,
          team_id: teamId,
          status: i < paused ? "paused" : "stopped",
          created_at: now,
          updated_at: now,
        });
        for (const w of work) workloads.push({ ...w, deployment_id: id });
        namespaces.push({
          id: namespaceId,
          name,
          team_id: teamId,
          current_deployment_id: id,
          created_at: now,
        });
      }
      await tx.insertInto("deployments").values(deps).execute();
      await tx.insertInto("workloads").values(workloads).execute();
      await tx.insertInto("namespaces").values(namespaces).execute();
    }
  });
  await opened.close();
}

async function cronDelays(): Promise<{ claim: number[]; done: number[]; runs: number }> {
  const opened = await openDb(dbUrl);
  const rows = await opened.db
    .selectFrom("schedule_runs")
    .select(["fire_time", "created_at", "ended_at", "trigger"])
    .where("trigger", "=", "cron")
    .execute();
  await opened.close();
  const claim = rows.map((r) => Date.parse(r.created_at) - Date.parse(r.fire_time));
  const done = rows.filter((r) => r.ended_at).map((r) => Date.parse(r.ended_at!) - Date.parse(r.fire_time));
  return { claim, done, runs: rows.length };
}

const fastify = await startProcess(process.execPath, [
  new URL("./fixtures/fastify-hello.mjs", import.meta.url).pathname,
]);
let berth: BerthProcess | undefined;
try {
  // 1. a prototype deployment and the bench team, through the API
  const empty = await start();
  berth = empty.berth;
  const { teamId, key } = await teamWithKey(apiClient(berth.url, admin));
  let api = apiClient(berth.url, key);
  const proto = await api<{ id: string; name: string }>("POST", "/api/deployments", {
    body: { template: "hello" },
  });
  const ready = (name: string) =>
    waitFor(
      async () =>
        (await api<{ deploymentReady: boolean }>("GET", `/api/deployments/status?name=${name}`)).body
          .deploymentReady,
      `${name} ready`,
      60_000,
    );
  await ready(proto.body.name);
  await berth.kill("SIGTERM");

  // 2. the records, through the store; 3. start-up with all of them
  const seeded = DEPLOYMENTS - RUNNING;
  let t = performance.now();
  await seed(proto.body.id, seeded, teamId);
  console.log(`seeded ${seeded} deployment records in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const started = await start();
  berth = started.berth;
  api = apiClient(berth.url, key);
  const pid = berth.child.pid!;
  await ready(proto.body.name);

  // 4. the running deployments, real processes
  t = performance.now();
  const names = [proto.body.name];
  for (let i = 1; i < RUNNING; i++) {
    const d = await api<{ name: string }>("POST", "/api/deployments", { body: { template: "hello" } });
    if (d.status !== 200 && d.status !== 201) throw new Error(`create failed: ${d.status} ${d.text}`);
    names.push(d.body.name);
  }
  for (const n of names) await ready(n);
  const processes = processesUnder(dataDir).length;
  console.log(
    `${DEPLOYMENTS} deployments: ${Math.round(DEPLOYMENTS * 0.9)} paused, ${seeded - Math.round(DEPLOYMENTS * 0.9)} stopped, ${RUNNING} running (${processes} processes, ready in ${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );

  // 5. latencies
  const base = await latencies(`http://127.0.0.1:${fastify.port}/`, undefined);
  const rows: [string, string, string | undefined][] = [
    ["template platform GET /api/deployments", "/api/deployments", key],
    ["cloud GET /api/cloud-saas/deployments", "/api/cloud-saas/deployments", key],
    ["agent GET /deployments?limit=100", "/deployments?limit=100", key],
    ["agent GET /deployments (admin, all teams)", "/deployments?limit=100", admin],
    ["agent GET /deployments (admin, last page)", `/deployments?limit=100&skip=${DEPLOYMENTS - 100}`, admin],
    ["platform GET /api/deployments/status", `/api/deployments/status?name=${names.at(-1)}`, key],
  ];
  console.log(`\n${"route".padEnd(46)} ${"p50".padStart(10)} ${"p99".padStart(10)}  p99 ÷ hello p99`);
  const line = (label: string, xs: number[]) =>
    console.log(
      `${label.padEnd(46)} ${ms(quantile(xs, 0.5)).padStart(10)} ${ms(quantile(xs, 0.99)).padStart(10)}  ${(quantile(xs, 0.99) / quantile(base, 0.99)).toFixed(1)}`,
    );
  line("Fastify hello (baseline)", base);
  for (const [label, route, token] of rows) line(label, await latencies(`${berth.url}${route}`, token));

  // 6. memory, 7. idle CPU
  const mem = memory(pid);
  const ticks0 = cpuTicks(pid);
  await new Promise((r) => setTimeout(r, IDLE_S * 1000));
  const idleCpu = (cpuTicks(pid) - ticks0) / 100 / IDLE_S;

  // 8. cron schedules
  const agent = await api<{ id: string }>("POST", "/api/agents", {
    body: { name: "tick", spec: { name: "tick", command: "true" } },
  });
  if (agent.status >= 300) throw new Error(`agent: ${agent.status} ${agent.text}`);
  const environment = await api<{ id: string }>("POST", "/api/v1/cloud/environments", {
    body: { name: "bench" },
  });
  t = performance.now();
  for (let i = 0; i < SCHEDULES; i++) {
    const s = await api("POST", "/api/v1/cloud/deployments", {
      body: {
        agent: agent.body.id,
        environment_id: environment.body.id,
        name: `tick ${i}`,
        initial_events: [],
        schedule: { type: "cron", expression: "* * * * *", timezone: "UTC" },
      },
    });
    if (s.status >= 300) throw new Error(`schedule: ${s.status} ${s.text}`);
  }
  console.log(`\n${SCHEDULES} schedules created in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const schedList = await latencies(`${berth.url}/api/v1/cloud/deployments?limit=20`, key);
  line("scheduled GET /api/v1/cloud/deployments", schedList);
  const untilMinute = 60_000 - (Date.now() % 60_000);
  await new Promise((r) => setTimeout(r, untilMinute - 1_000));
  const statusUrl = `${berth.url}/api/deployments/status?name=${names.at(-1)}`;
  const storm = await latencies(statusUrl, key, 0, STORM_S * 1000);
  line(`status route while ${SCHEDULES} schedules fire (${STORM_S} s)`, storm);
  console.log(`  slowest: ${ms(Math.max(...storm))}`);
  await new Promise((r) => setTimeout(r, (MINUTES - 1) * 60_000 + 15_000 - (STORM_S - 1) * 1000));
  const memAfter = memory(pid);
  await berth.kill("SIGTERM");
  berth = undefined;
  const cron = await cronDelays();

  console.log(
    `\nstart-up (spawn → /readyz 200): ${started.startMs.toFixed(0)} ms with ${seeded + 1} records and 1 running, ${empty.startMs.toFixed(0)} ms with an empty store (ratio ${(started.startMs / empty.startMs).toFixed(2)})`,
  );
  console.log(
    `control-plane RSS: ${mem.rss.toFixed(0)} MB after the list runs, ${memAfter.rss.toFixed(0)} MB after the schedules; peak ${memAfter.peak.toFixed(0)} MB (target ≤ 300 MB)`,
  );
  console.log(
    `idle CPU of the control plane (reconciler + resync) over ${IDLE_S} s: ${(idleCpu * 100).toFixed(1)}% of one core`,
  );
  console.log(
    `cron: ${cron.runs} runs fired; firing delay (fire time → run claimed) p50 ${ms(quantile(cron.claim, 0.5))} p99 ${ms(quantile(cron.claim, 0.99))} (target p99 ≤ 100 ms); session done (\`true\`: spawned, exited, recorded) p50 ${ms(quantile(cron.done, 0.5))} p99 ${ms(quantile(cron.done, 0.99))} over ${cron.done.length} ended runs`,
  );
} finally {
  fastify.stop();
  await berth?.kill("SIGTERM");
  for (const p of processesUnder(dataDir)) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
