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

const CACHE_MAX = 2_000;
/**
 * Parsed expressions and their last answer: the fire times after `from` stay the answer for any
 * `after` in [from, first fire time), so a list of schedules asked for its upcoming runs again and
 * again computes them once per fire time. Bounded; emptied when full.
 */
const cache = new Map<string, { cron: Cron; from: number; runs: Date[] }>();

/** The next `count` fire times strictly after `after`. */
export function nextRuns(expression: string, timezone: string, after: Date, count: number): Date[] {
  const key = `${timezone}\u0000${expression}`;
  let entry = cache.get(key);
  const t = after.getTime();
  if (entry && entry.from <= t && entry.runs.length >= count && t < (entry.runs[0]?.getTime() ?? 0))
    return entry.runs.slice(0, count);
  if (!entry) {
    if (cache.size >= CACHE_MAX) cache.clear();
    entry = { cron: new Cron(expression, { timezone, paused: true }), from: 0, runs: [] };
    cache.set(key, entry);
  }
  const runs = entry.cron.nextRuns(Math.max(count, 5), after);
  entry.from = t;
  entry.runs = runs;
  return runs.slice(0, count);
}

export function nextRun(expression: string, timezone: string, after: Date): Date | undefined {
  return nextRuns(expression, timezone, after, 1)[0];
}
