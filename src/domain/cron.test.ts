import { describe, expect, it } from "vitest";
import { cronProblem, nextRuns } from "./cron.js";

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe("cron in IANA timezones", () => {
  it("matches seed 003's example: 09:30 on weekdays in Asia/Shanghai", () => {
    expect(iso(nextRuns("30 9 * * 1-5", "Asia/Shanghai", new Date("2026-06-14T08:58:17Z"), 5))).toEqual([
      "2026-06-15T01:30:00.000Z",
      "2026-06-16T01:30:00.000Z",
      "2026-06-17T01:30:00.000Z",
      "2026-06-18T01:30:00.000Z",
      "2026-06-19T01:30:00.000Z",
    ]);
  });

  it.each([
    ["UTC", "2026-01-10T09:00:00.000Z"],
    ["Europe/Berlin", "2026-01-10T08:00:00.000Z"],
    ["America/Los_Angeles", "2026-01-10T17:00:00.000Z"],
    ["Asia/Kolkata", "2026-01-10T03:30:00.000Z"],
  ])("evaluates 09:00 daily in %s", (tz, first) => {
    expect(iso(nextRuns("0 9 * * *", tz, new Date("2026-01-10T00:00:00Z"), 1))).toEqual([first]);
  });

  it("fires a local time that does not exist once, at the end of the gap", () => {
    // 2026-03-08: New York jumps from 02:00 to 03:00 EDT
    expect(iso(nextRuns("30 2 * * *", "America/New_York", new Date("2026-03-07T12:00:00Z"), 2))).toEqual([
      "2026-03-08T07:00:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
  });

  it("fires a local time that happens twice once, at its first occurrence", () => {
    // 2026-11-01: New York falls back from 02:00 EDT to 01:00 EST; 01:30 happens twice
    expect(iso(nextRuns("30 1 * * *", "America/New_York", new Date("2026-10-31T12:00:00Z"), 2))).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
  });

  it("supports a seconds field", () => {
    expect(iso(nextRuns("*/2 * * * * *", "UTC", new Date("2026-01-01T00:00:00Z"), 2))).toEqual([
      "2026-01-01T00:00:02.000Z",
      "2026-01-01T00:00:04.000Z",
    ]);
  });

  it.each([
    ["* * *", "UTC", /5 fields/],
    ["61 * * * *", "UTC", /invalid cron/],
    ["0 9 * * *", "Mars/Olympus", /unknown timezone/],
    ["0 0 31 2 *", "UTC", /never fires|invalid/],
  ])("refuses %s in %s", (expr, tz, problem) => {
    expect(cronProblem(expr, tz)).toMatch(problem);
  });
});
