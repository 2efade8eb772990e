// Progress of a long encrypt or decrypt on stderr: bytes done, MiB/s and the time left, redrawn
// in place at most five times a second. Only for inputs over 8 MiB (a short job finishes before
// a bar would help), only when stderr is a terminal (a log file or a pipe would fill with
// carriage returns), and never with --quiet.

import { formatMiB, MiB } from './output.js';
import type { CliOutputStream } from './runtime.js';

export const PROGRESS_THRESHOLD_BYTES = 8 * MiB;
const REDRAW_INTERVAL_MS = 200;

export interface Progress {
  /** `bytes` more of the input are done. */
  advance(bytes: number): void;
  /** Ends the line (a finished bar stays on screen). */
  finish(): void;
  /** Erases the bar (the job failed; the error message takes its place). */
  abandon(): void;
}

const SILENT: Progress = { advance() {}, finish() {}, abandon() {} };

export function createProgress(
  stderr: CliOutputStream,
  options: { label: string; totalBytes: number | undefined; quiet: boolean },
): Progress {
  const { label, totalBytes, quiet } = options;
  if (quiet || stderr.isTTY !== true || totalBytes === undefined || totalBytes <= PROGRESS_THRESHOLD_BYTES)
    return SILENT;
  const started = performance.now();
  let done = 0;
  let lastDrawn = -Infinity;
  let drawn = false;

  const draw = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / MiB / seconds : 0;
    const percent = Math.min(100, Math.floor((done / totalBytes) * 100));
    const eta = rate > 0 ? formatDuration((totalBytes - done) / MiB / rate) : '--:--';
    stderr.write(
      `\r\x1b[K${label} ${formatMiB(done)} / ${formatMiB(totalBytes)} (${percent}%)  ${rate.toFixed(1)} MiB/s  ETA ${eta}`,
    );
    drawn = true;
  };

  return {
    advance(bytes) {
      done += bytes;
      const now = performance.now();
      if (now - lastDrawn < REDRAW_INTERVAL_MS) return;
      lastDrawn = now;
      draw();
    },
    finish() {
      draw();
      stderr.write('\n');
    },
    abandon() {
      if (drawn) stderr.write('\r\x1b[K');
    },
  };
}

function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
