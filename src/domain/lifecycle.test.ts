/**
 * The lifecycle, row for row: SPEC §1's status table (how each surface shows a canonical status),
 * the transitions of SPEC §1 and docs/decisions.md, and every transition a service or the
 * reconciler makes (named after the file that makes it).
 */
import { describe, expect, it } from "vitest";
import {
  canPause,
  canRestart,
  canResume,
  canScale,
  INITIAL_STATUS,
  isDeletingOrGone,
  isLive,
  isPausedLike,
  isServing,
  type LifecycleEvent,
  pauseIsNoop,
  resumeIsNoop,
  settledOutcome,
  transition,
  wantsProcesses,
} from "./lifecycle.js";
import {
  CANONICAL_STATUSES,
  type CanonicalStatus,
  notLiveStatuses,
  toAgentDeploymentStatus,
  toCloudStatus,
  toPlatformStatus,
} from "./status.js";

describe("SPEC §1: how each surface shows a canonical status", () => {
  it.each<[CanonicalStatus, string, string, string]>([
    ["pending", "pending", "deploying", "Pending"],
    ["deploying", "deploying", "deploying", "Provisioning"],
    ["running", "deploying", "running", "Provisioning"],
    ["ready", "deployed", "ready", "Ready"],
    ["paused", "paused", "stopped", "Ready"],
    ["pausing", "paused", "stopped", "Ready"],
    ["resuming", "resuming", "deploying", "Provisioning"],
    ["stopped", "paused", "stopped", "Error"],
    ["failed", "failed", "failed", "Error"],
    ["deleting", "destroyed", "killed", "Deleting"],
    ["destroyed", "destroyed", "killed", "Deleting"],
  ])("%s → cloud %s, agent deployments %s, template platform %s", (s, cloud, agent, platform) => {
    expect(toCloudStatus(s)).toBe(cloud);
    expect(toAgentDeploymentStatus(s)).toBe(agent);
    expect(toPlatformStatus(s)).toBe(platform);
  });

  it("covers every canonical status", () => {
    expect(CANONICAL_STATUSES).toHaveLength(11);
  });

  it.each<[CanonicalStatus, boolean]>([
    ["paused", false],
    ["pausing", false],
    ["ready", true],
  ])("template platform deploymentReady of %s is %s", (s, ready) => {
    expect(isServing(s)).toBe(ready);
  });
});

const observed = (desired: number, ready: number, running: number): LifecycleEvent => ({
  type: "observed",
  desired,
  ready,
  running,
});

type Row = [string, CanonicalStatus, LifecycleEvent, CanonicalStatus | "refused"];

describe("transition(from, event)", () => {
  it("a new deployment starts pending (create.ts)", () => {
    expect(INITIAL_STATUS).toBe("pending");
  });

  it.each<Row>([
    // SPEC §1: pending → deploying → running → ready (reconciler.ts, from what the driver reports)
    ["reconciler: picked up, nothing running yet", "pending", observed(1, 0, 0), "deploying"],
    ["reconciler: redeploy target at 0 replicas", "pending", observed(0, 0, 0), "deploying"],
    ["reconciler: a process is up", "pending", observed(1, 0, 1), "running"],
    ["reconciler: still nothing up", "deploying", observed(1, 0, 0), "deploying"],
    ["reconciler: process up, not healthy", "deploying", observed(1, 0, 1), "running"],
    ["reconciler: every replica ready", "running", observed(2, 2, 2), "ready"],
    ["reconciler: straight to ready", "deploying", observed(1, 1, 1), "ready"],
    ["reconciler: a ready replica crashed", "ready", observed(2, 1, 2), "running"],
    ["reconciler: stays ready", "ready", observed(1, 1, 1), "ready"],
    ["reconciler: resuming until ready", "resuming", observed(1, 0, 1), "resuming"],
    ["reconciler: resumed", "resuming", observed(1, 1, 1), "ready"],
    ["reconciler: paused deployments are not observed", "paused", observed(0, 0, 0), "refused"],
    // failed (with reason): reconciler.ts, a replica failed to start or the config cannot run
    ["reconciler: replica failed to start", "deploying", { type: "workloadFailed" }, "failed"],
    ["reconciler: unrunnable while pending", "pending", { type: "workloadFailed" }, "failed"],
    ["reconciler: failure while resuming", "resuming", { type: "workloadFailed" }, "failed"],
    ["reconciler: failure of a ready deployment", "ready", { type: "workloadFailed" }, "failed"],
    ["reconciler: no failure without processes", "paused", { type: "workloadFailed" }, "refused"],
    // ready ⇄ paused via pausing/resuming: pause-resume.ts, idle-pauser.ts, backups restore
    ["pause-resume: pause a ready deployment", "ready", { type: "pause" }, "pausing"],
    ["pause-resume: pause while deploying", "deploying", { type: "pause" }, "pausing"],
    ["pause-resume: pause while running", "running", { type: "pause" }, "pausing"],
    ["pause-resume: pause while pending", "pending", { type: "pause" }, "pausing"],
    ["restore: pause a stopped deployment", "stopped", { type: "pause" }, "pausing"],
    ["restore: pause a failed deployment", "failed", { type: "pause" }, "pausing"],
    ["pause-resume: pausing again changes nothing", "pausing", { type: "pause" }, "pausing"],
    ["pause-resume: paused again changes nothing", "paused", { type: "pause" }, "paused"],
    ["pause-resume: no pause while deleting", "deleting", { type: "pause" }, "refused"],
    ["pause-resume: no pause once destroyed", "destroyed", { type: "pause" }, "refused"],
    ["reconciler: workloads stopped", "pausing", { type: "workloadsStopped" }, "paused"],
    ["reconciler: nothing to finish when paused", "paused", { type: "workloadsStopped" }, "refused"],
    ["reconciler: nothing to finish when stopped", "stopped", { type: "workloadsStopped" }, "refused"],
    ["pause-resume: resume a paused deployment", "paused", { type: "resume" }, "resuming"],
    ["wake: resume while still pausing", "pausing", { type: "resume" }, "resuming"],
    ["pause-resume: resume a stopped deployment", "stopped", { type: "resume" }, "resuming"],
    ["restore: resume a failed deployment", "failed", { type: "resume" }, "resuming"],
    ["pause-resume: resuming again changes nothing", "resuming", { type: "resume" }, "resuming"],
    ["pause-resume: resuming a ready one changes nothing", "ready", { type: "resume" }, "ready"],
    ["pause-resume: no resume while deleting", "deleting", { type: "resume" }, "refused"],
    ["pause-resume: resume not ready in time", "resuming", { type: "resumeFailed" }, "paused"],
    ["pause-resume: resume failed to start", "failed", { type: "resumeFailed" }, "paused"],
    ["pause-resume: deleted meanwhile", "deleting", { type: "resumeFailed" }, "refused"],
    // stopped / failed revive on restart: restart.ts, agent-deployments.ts (decisions.md, seed 002)
    ["restart: revive stopped", "stopped", { type: "restart" }, "deploying"],
    ["restart: revive failed", "failed", { type: "restart" }, "deploying"],
    ["restart: ready keeps its status (new processes)", "ready", { type: "restart" }, "ready"],
    ["restart: running keeps its status", "running", { type: "restart" }, "running"],
    ["restart: paused keeps its status", "paused", { type: "restart" }, "paused"],
    ["restart: not while deleting", "deleting", { type: "restart" }, "refused"],
    ["restart: not once destroyed", "destroyed", { type: "restart" }, "refused"],
    // deleting → destroyed: delete.ts, reconciler.ts finalizers (decisions.md: finalizer-style)
    ["delete: ready", "ready", { type: "delete" }, "deleting"],
    ["delete: paused", "paused", { type: "delete" }, "deleting"],
    ["delete: failed", "failed", { type: "delete" }, "deleting"],
    ["delete: pending", "pending", { type: "delete" }, "deleting"],
    ["delete: twice is a no-op", "deleting", { type: "delete" }, "deleting"],
    ["delete: destroyed stays destroyed", "destroyed", { type: "delete" }, "destroyed"],
    ["reconciler: retained record", "deleting", { type: "finalized" }, "destroyed"],
    ["reconciler: only a deleting record is finalized", "ready", { type: "finalized" }, "refused"],
    // decisions.md (cloud redeploy): failed if still deploying, otherwise destroyed
    ["create (redeploy): supersede pending", "pending", { type: "superseded" }, "failed"],
    ["create (redeploy): supersede deploying", "deploying", { type: "superseded" }, "failed"],
    ["create (redeploy): supersede running", "running", { type: "superseded" }, "failed"],
    ["create (redeploy): supersede resuming", "resuming", { type: "superseded" }, "failed"],
    ["create (redeploy): supersede ready", "ready", { type: "superseded" }, "destroyed"],
    ["create (redeploy): supersede paused", "paused", { type: "superseded" }, "destroyed"],
    ["create (redeploy): supersede stopped", "stopped", { type: "superseded" }, "destroyed"],
    ["create (redeploy): supersede failed", "failed", { type: "superseded" }, "destroyed"],
    ["create (redeploy): supersede deleting", "deleting", { type: "superseded" }, "destroyed"],
    ["create (redeploy): destroyed cannot be superseded", "destroyed", { type: "superseded" }, "refused"],
  ])("%s: %s → %s", (_who, from, event, expected) => {
    const r = transition(from, event);
    if (expected === "refused") {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.refusal).toMatchObject({ from, event: event.type });
    } else {
      expect(r).toEqual({ ok: true, to: expected });
    }
  });
});

describe("the rules services ask", () => {
  const table = CANONICAL_STATUSES.map((s) => [s] as const);

  it.each(table)("%s", (s) => {
    const row = {
      live: isLive(s),
      wantsProcesses: wantsProcesses(s),
      pausedLike: isPausedLike(s),
      canPause: canPause(s),
      pauseIsNoop: pauseIsNoop(s),
      canResume: canResume(s),
      resumeIsNoop: resumeIsNoop(s),
      canScale: canScale(s),
      canRestart: canRestart(s),
      gone: isDeletingOrGone(s),
      settled: settledOutcome(s) ?? null,
    };
    expect(row).toEqual(RULES[s]);
  });

  it("tier counting leaves out failed, deleting and destroyed (decisions.md, allowRequest)", () => {
    expect(notLiveStatuses()).toEqual(["failed", "deleting", "destroyed"]);
  });
});

const F = false;
const T = true;
const RULES: Record<CanonicalStatus, Record<string, boolean | string | null>> = {
  pending: r(T, T, F, T, F, F, F, F, F, F, null),
  deploying: r(T, T, F, T, F, F, F, F, F, F, null),
  running: r(T, T, F, T, F, F, F, T, F, F, null),
  ready: r(T, T, F, T, F, F, T, T, F, F, "ready"),
  pausing: r(T, F, T, F, F, T, F, F, F, F, null),
  paused: r(T, F, T, F, T, T, F, F, F, F, null),
  resuming: r(T, T, F, F, F, F, F, F, F, F, null),
  stopped: r(T, F, T, F, F, T, F, F, T, F, null),
  failed: r(F, F, F, F, F, F, F, F, T, F, "failed"),
  deleting: r(F, F, F, F, F, F, F, F, F, T, null),
  destroyed: r(F, F, F, F, F, F, F, F, F, T, null),
};

function r(
  live: boolean,
  wantsProcesses: boolean,
  pausedLike: boolean,
  canPause: boolean,
  pauseIsNoop: boolean,
  canResume: boolean,
  resumeIsNoop: boolean,
  canScale: boolean,
  canRestart: boolean,
  gone: boolean,
  settled: string | null,
) {
  return {
    live,
    wantsProcesses,
    pausedLike,
    canPause,
    pauseIsNoop,
    canResume,
    resumeIsNoop,
    canScale,
    canRestart,
    gone,
    settled,
  };
}
