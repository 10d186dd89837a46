// Randomness as a small injected interface (refresh jitter, backoff), like the runtime's Clock
// (src/runtime/clock.ts), so both are driven by hand in tests (src/testing/fake-clock.ts).

export { systemClock, type Clock, type Timer } from '../runtime/clock.js';

/** Uniform in [0, 1). */
export type Random = () => number;
export const systemRandom: Random = Math.random;
