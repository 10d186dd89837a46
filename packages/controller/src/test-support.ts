// Internal: fakes shared by this package's unit tests (not exported from index.ts).
import type { Clock, Timer } from './clock.js';

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  private t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): Timer {
    const timer = { at: this.t + Math.max(0, ms), fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  /** Advances time, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      due.live = false;
      due.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
  pending(): number[] {
    return this.timers.filter((x) => x.live).map((x) => x.at - this.t);
  }
}

export const flush = () => new Promise<void>((r) => setImmediate(r));
