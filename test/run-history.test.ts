/**
 * Run history of a scheduled deployment (issue 13 §5, seed 003): newest first by the time each run
 * is for, whatever triggered it (cron, manual, skipped), and an `after_id` cursor shaped like the
 * list route's (`{data, has_more, first_id, last_id}`), walked page by page to the end; the
 * surface's other lists (environments, vaults) page the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, FakeClock, startWithTeam, type TestBerth, waitFor } from "./support/berth.js";

const clock = new FakeClock(Date.parse("2026-06-14T08:58:16.500Z"));
let t: TestBerth;
let api: ApiClient;
const base = "/api/v1/cloud/deployments";

beforeAll(async () => {
  ({ t, api } = await startWithTeam({}, { clock, scheduler: false }));
});
afterAll(async () => {
  await t?.berth.scheduler.stop();
  await t?.close();
});

type Run = { id: string; trigger: string; scheduled_for: string; status: string };
type Page = { data: Run[]; has_more: boolean; first_id: string | null; last_id: string | null };

describe("run history", () => {
  let id: string;
  let all: Run[];

  beforeAll(async () => {
    const env = await api("POST", "/api/v1/cloud/environments", { body: { name: "production" } });
    const agent = await api("POST", "/api/agents", {
      body: { name: "a", spec: { name: "quick", command: "node", args: ["-e", "0"] } },
    });
    const created = await api("POST", base, {
      body: {
        agent: agent.body.id,
        environment_id: env.body.id,
        name: "every-3s",
        schedule: { type: "cron", expression: "*/3 * * * * *", timezone: "UTC" },
      },
    });
    expect(created.status, created.text).toBe(200);
    id = created.body.id;
    // seed 003's input: one manual run, then cron runs over the next 8 seconds
    const manual = await api("POST", `${base}/${id}/run`, {});
    expect(manual.status, manual.text).toBe(202);
    for (let i = 0; i < 8; i++) {
      clock.advance(1000);
      await t.berth.scheduler.tick();
    }
    await waitFor(async () => {
      const r = await api<Page>("GET", `${base}/${id}/runs?limit=20`);
      return (
        r.body.data.length >= 3 &&
        r.body.data.every((x) => ["completed", "failed", "skipped"].includes(x.status))
      );
    }, "runs settled");
    all = (await api<Page>("GET", `${base}/${id}/runs?limit=20`)).body.data;
  });

  it("lists every kind of run newest first by time (the manual run, the oldest, last)", async () => {
    expect(all.map((r) => r.trigger)).toEqual(["cron", "cron", "cron", "manual"]);
    const times = all.map((r) => Date.parse(r.scheduled_for));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.at(-1)!.scheduled_for).toBe("2026-06-14T08:58:16.500Z");
  });

  it("pages with after_id in the list route's shape, to the last page", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < all.length; page++) {
      const q: string = cursor ? `&after_id=${cursor}` : "";
      const r = await api<Page>("GET", `${base}/${id}/runs?limit=1${q}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body.data).toHaveLength(1);
      expect(r.body.first_id).toBe(r.body.data[0]!.id);
      expect(r.body.last_id).toBe(r.body.data[0]!.id);
      expect(r.body.has_more).toBe(page < all.length - 1);
      seen.push(r.body.data[0]!.id);
      cursor = r.body.last_id;
    }
    expect(seen).toEqual(all.map((r) => r.id));
    const end = await api<Page>("GET", `${base}/${id}/runs?limit=5&after_id=${cursor}`);
    expect(end.body).toEqual({ data: [], has_more: false, first_id: null, last_id: null });
  });

  it("refuses a cursor that is not a run of this deployment", async () => {
    const bad = await api("GET", `${base}/${id}/runs?after_id=nope`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe("invalid_request_error");
    const unknown = await api("GET", `${base}/${id}/runs?after_id=run_${"0".repeat(32)}`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain("after_id");
  });
});

describe.each([
  ["environments", { name: "env" }],
  ["vaults", { name: "vault", secrets: { TOKEN: "paging-s3cret" } }],
])("the %s list", (kind, body) => {
  it("pages newest first with the list route's cursor", async () => {
    const created: string[] = [];
    for (let i = 0; i < 3; i++)
      created.unshift((await api("POST", `/api/v1/cloud/${kind}`, { body })).body.id);
    const all = (await api<Page>("GET", `/api/v1/cloud/${kind}?limit=100`)).body.data.map((x) => x.id);
    expect(all.slice(0, 3)).toEqual(created);
    const first = await api<Page>("GET", `/api/v1/cloud/${kind}?limit=2`);
    expect(first.status, first.text).toBe(200);
    expect(first.body.data.map((x) => x.id)).toEqual(all.slice(0, 2));
    expect(first.body).toMatchObject({ has_more: true, first_id: created[0], last_id: created[1] });
    const next = await api<Page>("GET", `/api/v1/cloud/${kind}?limit=2&after_id=${first.body.last_id}`);
    expect(next.body.data.map((x) => x.id)).toEqual(all.slice(2, 4));
    expect(next.body.has_more).toBe(all.length > 4);
    expect(first.text + next.text).not.toContain("paging-s3cret");
    expect((await api("GET", `/api/v1/cloud/${kind}?after_id=nope`)).status).toBe(400);
  });
});
