import type { Io } from '../io.js';

/**
 * Progress of a long command on stderr: a bar redrawn in place on a terminal, one plain line
 * (the count) otherwise, so CI logs are not flooded with carriage returns.
 */
export interface Progress {
  /** One more item done; `label` names it (a file name, never a value). */
  tick(label: string): void;
  /** Ends the bar's line. */
  done(): void;
}

const REDRAW_MS = 50;
const BAR_WIDTH = 30;

export function startProgress(io: Io, total: number, what: string, now: () => number = Date.now): Progress {
  if (io.stderrIsTTY !== true) {
    io.writeErr(`sealkit: ${total} ${what}\n`);
    return { tick: () => undefined, done: () => undefined };
  }
  let count = 0;
  let last = -Infinity;
  // A pseudo-terminal without a size reports 0 columns.
  const columns = io.stderrColumns || 80;
  const draw = (label: string) => {
    const filled = total === 0 ? BAR_WIDTH : Math.round((count / total) * BAR_WIDTH);
    const head = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${count}/${total} `;
    const room = Math.max(0, columns - head.length - 1);
    const shown = label.length > room ? `…${label.slice(label.length - room + 1)}` : label;
    // \r back to the start, ESC[K clears what a longer previous label left behind.
    io.writeErr(`\r${head}${room > 0 ? shown : ''}\x1b[K`);
  };
  return {
    tick(label) {
      count++;
      const t = now();
      if (count === total || t - last >= REDRAW_MS) {
        last = t;
        draw(label);
      }
    },
    done() {
      if (count < total || total === 0) draw('');
      io.writeErr('\n');
    },
  };
}
