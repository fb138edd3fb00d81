/**
 * Cron schedules in an IANA timezone (croner), 5 fields or 6 with seconds. berth's DST rules, as
 * croner evaluates them and as the tests pin down:
 * - a local time that does not exist (spring forward) fires once, at the first instant after the
 *   gap (a 02:30 job on a day that jumps 02:00 → 03:00 runs at 03:00);
 * - a local time that happens twice (fall back) fires once, at its first occurrence.
 */
import { Cron } from "croner";

export function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A problem with the expression, or undefined when it is valid. */
export function cronProblem(expression: string, timezone: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    return "a cron expression has 5 fields (or 6 with seconds first)";
  if (!isTimezone(timezone)) return `unknown timezone ${timezone}`;
  try {
    const c = new Cron(expression, { timezone, paused: true });
    if (!c.nextRun(new Date())) return "the expression never fires";
  } catch (err) {
    return `invalid cron expression: ${(err as Error).message}`;
  }
  return undefined;
}

/** The next `count` fire times strictly after `after`. */
export function nextRuns(expression: string, timezone: string, after: Date, count: number): Date[] {
  return new Cron(expression, { timezone, paused: true }).nextRuns(count, after);
}

export function nextRun(expression: string, timezone: string, after: Date): Date | undefined {
  return nextRuns(expression, timezone, after, 1)[0];
}
