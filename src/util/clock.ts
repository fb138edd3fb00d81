/**
 * Time as a dependency, so schedules, idle pause, retention, back-off, leases and waits can be
 * tested without sleeping. A clock reads the time and, optionally, runs timers: a clock without
 * `setTimer` (the system clock, a test clock that only moves `now`) gets real timers, unref'd so
 * they never keep the process alive. A test clock that implements `setTimer` fires them itself
 * when it advances.
 */
export interface Clock {
  now(): Date;
  /** Runs `fn` once after `ms` of this clock's time; returns a function that cancels it. */
  setTimer?(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = { now: () => new Date() };

export const iso = (clock: Clock): string => clock.now().toISOString();

/** Runs `fn` once after `ms`; returns the cancel function. */
export function after(clock: Clock, ms: number, fn: () => void): () => void {
  if (clock.setTimer) return clock.setTimer(fn, ms);
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

/** Runs `fn` every `ms` until cancelled; returns the cancel function. */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let cancel = () => {};
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    cancel = after(clock, ms, tick);
    fn();
  };
  cancel = after(clock, ms, tick);
  return () => {
    stopped = true;
    cancel();
  };
}

/** Resolves after `ms` of this clock's time. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => after(clock, ms, resolve));
}
