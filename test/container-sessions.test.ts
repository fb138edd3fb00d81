/**
 * Scheduled agent sessions on BERTH_RUNTIME=container: the container driver declines sessions, and
 * the mixed driver runs them on the local sandbox, so a schedule fires and completes exactly as on
 * the local runtime (one for a catalogue image, one for a client command), on a berth whose
 * workloads with images run as containers.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ApiClient, FakeClock, startWithTeam, type TestBerth, waitFor } from "./support/berth.js";
import { type ContainerHost, startContainerHost } from "./support/container-host.js";

const clock = new FakeClock(Date.parse("2026-06-14T08:58:17Z"));
const base = "/api/v1/cloud/deployments";
let host: ContainerHost;
let t: TestBerth;
let api: ApiClient;
let envId: string;

beforeAll(async () => {
  host = await startContainerHost();
  ({ t, api } = await startWithTeam(
    { BERTH_RUNTIME: "container", DOCKER_HOST: host.dockerHost, BERTH_ALLOWED_COMMANDS: "node" },
    { clock, scheduler: false },
  ));
  envId = (await api("POST", "/api/v1/cloud/environments", { body: { name: "production" } })).body.id;
}, 240_000);

afterAll(async () => {
  await t?.berth.scheduler.stop();
  await t?.close();
  await host?.close();
}, 120_000);

type Run = { status: string; exit_code: number | null; output: string | null; error: string | null };

async function fireOnce(spec: object): Promise<Run> {
  const agent = await api<{ id: string }>("POST", "/api/agents", { body: { name: "agent", spec } });
  expect(agent.status, agent.text).toBe(201);
  const d = await api("POST", base, {
    body: {
      agent: { id: agent.body.id, type: "agent" },
      environment_id: envId,
      name: "report",
      initial_events: [{ content: "Generate today's status report", type: "user.message" }],
      schedule: { type: "cron", expression: "*/5 * * * *", timezone: "UTC" },
    },
  });
  expect(d.status, d.text).toBe(200);
  clock.set(d.body.metadata.cas_config.stats.next_trigger_at);
  clock.advance(200);
  await t.berth.scheduler.tick();
  return waitFor(async () => {
    const list = (await api("GET", `${base}/${d.body.id}/runs?limit=10`)).body.data as Run[];
    return list.length === 1 && !["pending", "running"].includes(list[0]!.status) && list[0];
  }, "the run settled");
}

it("reports sessions as supported by the runtime", () => {
  expect(t.berth.driver.capabilities()).toMatchObject({ runtime: "container", unsupported: [] });
});

it("runs a scheduled session of a catalogue agent on the local sandbox", async () => {
  const run = await fireOnce({ name: "counter", image: "berth/counter-agent", port: 8080 });
  expect(run, JSON.stringify(run)).toMatchObject({ status: "completed", exit_code: 0, error: null });
  expect(JSON.parse(run.output!.trim())).toMatchObject({ events: 1, count: 1 });
});

it("runs a scheduled session of a command agent, fed its events on stdin", async () => {
  const script = `let s = ""; process.stdin.on("data", (c) => (s += c)); process.stdin.on("end", () => console.log("got " + s.trim().split("\\n").length + " event(s)"));`;
  const run = await fireOnce({ name: "script", command: "node", args: ["-e", script] });
  expect(run, JSON.stringify(run)).toMatchObject({ status: "completed", exit_code: 0 });
  expect(run.output).toContain("got 1 event(s)");
});
