/**
 * A clock whose time and timers move only when a test advances it: timers due by the new time fire
 * in order. For tests that wait on timers (deadlines, back-off, idle pause) without sleeping.
 */
import type { Clock } from "./clock.js";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private t: number) {}

  now = (): Date => new Date(this.t);

  setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  };

  /** Moves time forward by `ms`, firing every timer due on the way (including ones they set). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }
}
