/**
 * The store contract: every backing database (SQLite, PostgreSQL) must pass this same suite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../domain/ids.js";
import { HANDED_OFF_OWNER } from "../domain/record-status.js";
import type { NewDeployment, ScheduleRunRow } from "./schema.js";
import type { Store } from "./store.js";

export interface StoreHarness {
  store: Store;
  /** Opens a second store on the same database (another control plane). */
  reopen(): Promise<Store>;
  /** Whether several control planes may share the database (PostgreSQL) or one owns it (SQLite). */
  shared: boolean;
  cleanup(): Promise<void>;
}

const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();

/** A complete deployment row for store tests. */
export function deployment(teamId: string, name: string, extra: Partial<NewDeployment> = {}): NewDeployment {
  return {
    id: newId(),
    name,
    namespace: name,
    namespace_id: name,
    team_id: teamId,
    created_by: "test",
    source_type: "template",
    template_slug: "hello",
    template_revision: 1,
    image: null,
    agent_id: null,
    config_snapshot: "{}",
    config_hash: "sha256:x",
    manifest_revision: 1,
    visibility: "public",
    replicas: 1,
    auto_update_enabled: 0,
    auto_update_strategy: "rolling",
    status: "pending",
    status_reason: null,
    last_error: null,
    restart_generation: 0,
    is_current: 1,
    idle_timeout_ms: null,
    delete_mode: null,
    created_at: at(0),
    updated_at: at(0),
    ended_at: null,
    archived_at: null,
    ...extra,
  };
}

export function describeStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`store contract: ${name}`, () => {
    let h: StoreHarness;
    let store: Store;
    const teamId = `team_${newId().replaceAll("-", "")}`;

    beforeAll(async () => {
      h = await open();
      store = h.store;
      await store.tenancy.insertTeam({
        id: teamId,
        name: "t",
        tier: "free",
        created_at: at(0),
        updated_at: at(0),
      });
    });
    afterAll(async () => {
      await h?.cleanup();
    });

    it("reads back a team and changes its tier", async () => {
      await store.tenancy.updateTeamTier(teamId, "business", at(1));
      expect(await store.tenancy.getTeam(teamId)).toMatchObject({ id: teamId, tier: "business" });
      expect(await store.tenancy.getTeam("team_missing")).toBeUndefined();
    });

    it("finds API keys by hash until revoked", async () => {
      const id = newId();
      await store.tenancy.insertKey({
        id,
        name: "k",
        team_id: teamId,
        user_id: null,
        scopes: '["deployments:read"]',
        hash: `hash-${id}`,
        prefix: "berth_abc",
        created_at: at(0),
        last_used_at: null,
        revoked_at: null,
      });
      expect((await store.tenancy.getKeyByHash(`hash-${id}`))?.id).toBe(id);
      await store.tenancy.revokeKey(id, at(2));
      expect(await store.tenancy.getKeyByHash(`hash-${id}`)).toBeUndefined();
    });

    it("gives a namespace name to one incarnation at a time, and a new id when it is reused", async () => {
      const name = `ns-${newId().slice(-8)}`;
      const first = newId();
      expect(await store.deployments.claimNamespace(first, name, teamId, at(0))).toBe(true);
      expect(await store.deployments.claimNamespace(newId(), name, "team_other", at(1))).toBe(false);
      expect(await store.deployments.getNamespace(name)).toMatchObject({ id: first, team_id: teamId });
      await store.deployments.deleteNamespace(first);
      const second = newId();
      expect(await store.deployments.claimNamespace(second, name, "team_other", at(2))).toBe(true);
      expect(await store.deployments.getNamespace(name)).toMatchObject({ id: second, team_id: "team_other" });
      await store.deployments.deleteNamespace(second);
    });

    it("gives a lease to one holder until it expires, renews it for that holder, and releases it", async () => {
      const name = `lease-${newId().slice(-8)}`;
      expect(await store.leases.acquire(name, "cp-a", at(0), at(10))).toBe(true);
      expect(await store.leases.acquire(name, "cp-b", at(5), at(15))).toBe(false);
      expect(await store.leases.acquire(name, "cp-a", at(9), at(19))).toBe(true);
      expect(await store.leases.acquire(name, "cp-b", at(12), at(22))).toBe(false);
      expect(await store.leases.acquire(name, "cp-b", at(20), at(30))).toBe(true);
      expect(await store.leases.get(name)).toMatchObject({ holder: "cp-b", expires_at: at(30) });
      await store.leases.release(name, "cp-a");
      expect(await store.leases.get(name)).toMatchObject({ holder: "cp-b" });
      await store.leases.release(name, "cp-b");
      expect(await store.leases.acquire(name, "cp-a", at(21), at(31))).toBe(true);
    });

    it("hands a run claimed for the lease holder to one taker, and never counts it an orphan", async () => {
      const scheduleId = `sched-${newId()}`;
      const run = (owner: string, status: string, n: number): ScheduleRunRow => ({
        id: newId(),
        schedule_id: scheduleId,
        fire_time: at(n),
        scheduled_for: at(n),
        trigger: "manual",
        status,
        attempt: 0,
        session_id: null,
        owner,
        started_at: null,
        ended_at: null,
        duration_ms: null,
        exit_code: null,
        output: null,
        error: null,
        created_at: at(n),
      });
      const handedOff = run(HANDED_OFF_OWNER, "pending", 1);
      const gone = run("sched-gone", "running", 2);
      const mine = run("sched-mine", "running", 3);
      expect(await store.schedules.claimRuns([handedOff, gone, mine])).toEqual(
        new Set([handedOff.id, gone.id, mine.id]),
      );
      const orphans = (await store.schedules.orphanedRuns(["sched-mine"])).filter(
        (r) => r.schedule_id === scheduleId,
      );
      expect(orphans.map((r) => r.id)).toEqual([gone.id]);
      const [first, second] = await Promise.all([
        store.schedules.adoptHandedOff("sched-a"),
        store.schedules.adoptHandedOff("sched-b"),
      ]);
      const taken = [...first!, ...second!].filter((r) => r.schedule_id === scheduleId);
      expect(taken).toHaveLength(1);
      expect(taken[0]).toMatchObject({ id: handedOff.id, status: "pending" });
      expect((await store.schedules.getRun(handedOff.id))?.owner).toBe(taken[0]!.owner);
      expect(await store.schedules.adoptHandedOff("sched-c")).toEqual([]);
    });

    it("keeps template revisions immutable and numbered", async () => {
      const tid = newId();
      await store.templates.insert({
        id: tid,
        slug: `tpl-${tid.slice(-8)}`,
        name: "n",
        description: "",
        owner_team_id: teamId,
        kind: "community",
        status: "draft",
        latest_revision: 1,
        forked_from: null,
        created_at: at(0),
        updated_at: at(0),
      });
      for (const revision of [1, 2]) {
        await store.templates.insertRevision({
          template_id: tid,
          revision,
          config: `{"r":${revision}}`,
          config_hash: `h${revision}`,
          created_by: null,
          created_at: at(revision),
        });
      }
      await expect(
        store.templates.insertRevision({
          template_id: tid,
          revision: 2,
          config: "{}",
          config_hash: "dup",
          created_by: null,
          created_at: at(3),
        }),
      ).rejects.toThrow();
      expect((await store.templates.listRevisions(tid)).map((r) => r.revision)).toEqual([2, 1]);
    });

    it("enforces unique deployment names and filters lists", async () => {
      const a = deployment(teamId, `a${newId().slice(-8)}`);
      const b = deployment(teamId, `b${newId().slice(-8)}`, { status: "ready", agent_id: "agent_1" });
      await store.deployments.insert(a);
      await store.deployments.insert(b);
      await expect(store.deployments.insert({ ...a, id: newId() })).rejects.toThrow();
      expect((await store.deployments.getByName(a.name))?.id).toBe(a.id);
      const ready = await store.deployments.list({ teamId, statuses: ["ready"] });
      expect(ready.map((d) => d.id)).toEqual([b.id]);
      expect(await store.deployments.count({ teamId, agentId: "agent_1" })).toBe(1);
      const newestFirst = await store.deployments.list({ teamId });
      expect(newestFirst[0]?.id).toBe(b.id);
      const paged = await store.deployments.list({ teamId, skip: 1, limit: 1 });
      expect(paged.map((d) => d.id)).toEqual([a.id]);
    });

    it("updates status only from the expected status", async () => {
      const d = deployment(teamId, `c${newId().slice(-8)}`);
      await store.deployments.insert(d);
      expect(await store.deployments.setIfStatus(d.id, "pending", { status: "deploying" })).toBe(true);
      expect(await store.deployments.setIfStatus(d.id, "pending", { status: "ready" })).toBe(false);
      expect((await store.deployments.get(d.id))?.status).toBe("deploying");
    });

    it("changes a status only through a transition, with its event in the same transaction", async () => {
      const d = deployment(teamId, `t${newId().slice(-8)}`, { status: "ready" });
      await store.deployments.insert(d);
      const record = { type: "pausing", message: "paused by user", actor: "key:k", at: at(1) };
      const paused = await store.transition({ id: d.id, event: { type: "pause" }, record });
      expect(paused).toEqual({ outcome: "changed", from: "ready", to: "pausing" });
      // the reconciler acted on a status read earlier: an API write in between wins
      const stale = await store.transition({
        id: d.id,
        event: { type: "observed", desired: 1, ready: 1, running: 1 },
        expected: "ready",
        record: { ...record, type: "status_changed" },
      });
      expect(stale).toEqual({ outcome: "stale", from: "pausing" });
      const refused = await store.transition({ id: d.id, event: { type: "finalized" }, record });
      expect(refused).toMatchObject({ outcome: "refused", from: "pausing" });
      const again = await store.transition({ id: d.id, event: { type: "pause" }, record });
      expect(again).toEqual({ outcome: "unchanged", from: "pausing", to: "pausing" });
      expect((await store.deployments.get(d.id))?.status).toBe("pausing");
      const events = await store.history.events(d.id, { skip: 0, limit: 10 });
      expect(events.map((e) => [e.type, e.from_status, e.to_status])).toEqual([
        ["pausing", "ready", "pausing"],
      ]);
      await expect(
        store.transaction(async (tx) => {
          await tx.transition({ id: d.id, event: { type: "delete" }, record });
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect((await store.deployments.get(d.id))?.status).toBe("pausing");
      expect(await store.history.countEvents(d.id, {})).toBe(1);
      expect(await store.transition({ id: newId(), event: { type: "delete" }, record })).toEqual({
        outcome: "missing",
      });
    });

    it("rolls back a failed transaction entirely", async () => {
      const d = deployment(teamId, `d${newId().slice(-8)}`);
      await expect(
        store.transaction(async (tx) => {
          await tx.deployments.insert(d);
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
      expect(await store.deployments.get(d.id)).toBeUndefined();
    });

    it("pages lifecycle events newest first with filters and totals", async () => {
      const dep = newId();
      for (let i = 0; i < 5; i++) {
        await store.history.addEvent({
          id: newId(),
          deployment_id: dep,
          type: i % 2 === 0 ? "status_changed" : "restarted",
          from_status: null,
          to_status: i === 4 ? "ready" : "deploying",
          message: `e${i}`,
          actor: null,
          created_at: at(i),
        });
      }
      const page = await store.history.events(dep, { skip: 1, limit: 2 });
      expect(page.map((e) => e.message)).toEqual(["e3", "e2"]);
      expect(await store.history.countEvents(dep, { type: "status_changed" })).toBe(3);
      expect(await store.history.countEvents(dep, { status: "ready" })).toBe(1);
      expect(await store.history.events(dep, { skip: 10, limit: 5 })).toEqual([]);
    });

    it("folds repeated runtime events into a count", async () => {
      const dep = newId();
      const ev = (n: number) => ({
        id: newId(),
        deployment_id: dep,
        workload: "web",
        type: "Warning",
        reason: "BackOff",
        message: "back-off restarting",
        object: "pod/web-0",
        count: 1,
        first_seen: at(n),
        last_seen: at(n),
      });
      await store.history.addRuntimeEvent(ev(1));
      await store.history.addRuntimeEvent(ev(2));
      const rows = await store.history.runtimeEvents(dep, 10);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ count: 2, first_seen: at(1), last_seen: at(2) });
    });

    it("numbers deployment revisions per deployment", async () => {
      const dep = newId();
      const base = {
        deployment_id: dep,
        reason: "create",
        message: "",
        config_hash: "h",
        config_snapshot: "{}",
        actor: null,
        created_at: at(0),
      };
      expect(await store.history.addRevision(base)).toBe(1);
      expect(await store.history.addRevision({ ...base, reason: "restart" })).toBe(2);
      expect((await store.history.revisions(dep)).map((r) => r.reason)).toEqual(["restart", "create"]);
    });

    it("is shared by a second control plane, or refuses it with a clear error", async () => {
      if (!h.shared) {
        await expect(h.reopen()).rejects.toThrow(/in use by another berth control plane/);
        return;
      }
      const other = await h.reopen();
      try {
        expect(await other.tenancy.getTeam(teamId)).toBeDefined();
      } finally {
        await other.close();
      }
    });

    it("carries a request to reconcile from one control plane to the others (shared stores only)", async () => {
      if (!h.shared) {
        // one control plane owns the file: nothing to carry, and nothing fails
        await store.notifyReconcile("dep-1");
        return;
      }
      const other = await h.reopen();
      const heard: string[] = [];
      const stop = other.onReconcileRequest((id) => heard.push(id));
      try {
        // the listening connection opens in the background: ask until it hears
        const deadline = Date.now() + 15_000;
        while (!heard.includes("dep-1") && Date.now() < deadline) {
          await store.notifyReconcile("dep-1");
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(heard).toContain("dep-1");
        await store.notifyReconcile("dep-2");
        await expect.poll(() => heard.includes("dep-2"), { timeout: 15_000 }).toBe(true);
      } finally {
        await stop();
        await other.close();
      }
    });
  });
}
