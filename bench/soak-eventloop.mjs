// Preloaded into the controller by bench/soak.mjs (NODE_OPTIONS=--import=...): measures the
// process's event-loop delay from the inside without touching its code, and writes the p99 and
// max of each interval to $SEALKIT_SOAK_ELD_FILE (one JSON line per interval).
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.SEALKIT_SOAK_ELD_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const timer = setInterval(() => {
    appendFileSync(file, `${JSON.stringify({ at: Date.now(), pid: process.pid, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 })}\n`);
    h.reset();
  }, 5000);
  timer.unref();
}
