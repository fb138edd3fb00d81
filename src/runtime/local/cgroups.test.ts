/** The start-up sweep of empty sandbox groups, on this host's real cgroup hierarchy (root needed, as for the sandbox). */
import fs from "node:fs";
import { randomBytes } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { cgroupLayout, cgroupProcs, createCgroup, removeCgroup, sweepEmptyCgroups } from "./cgroups.js";

const made: string[] = [];
afterEach(() => {
  const layout = cgroupLayout();
  if (layout) for (const name of made.splice(0)) removeCgroup(layout, name);
});

const exists = (dirs: string[]) => dirs.every((procs) => fs.existsSync(procs));

it("leaves a group another control plane has just created, and removes it once it is old and empty", () => {
  const layout = cgroupLayout();
  expect(layout, "cgroup controllers memory, cpu and pids must be writable").toBeDefined();
  if (!layout) return;
  const name = `sweeptest${randomBytes(4).toString("hex")}`;
  made.push(name);
  const procs = createCgroup(layout, name, { pids: 16 });
  expect(cgroupProcs(layout, name)).toEqual([]);

  sweepEmptyCgroups(layout);
  expect(exists(procs)).toBe(true);

  sweepEmptyCgroups(layout, 60_000, Date.now() + 61_000);
  expect(exists(procs)).toBe(false);
});
