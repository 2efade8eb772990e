// Where results and notes go. Results go to stdout: human-readable lines, or with --json one
// JSON document (dates as ISO strings, byte arrays as base64) for scripts. Notes (the key store
// was created, a warning) go to stderr, so stdout stays clean for a pipe, and are silenced by
// --quiet.

import type { CliOutputStream } from './runtime.js';
import type { Failure } from './exit-codes.js';

export class Output {
  constructor(
    private readonly stdout: CliOutputStream,
    private readonly stderr: CliOutputStream,
    readonly json: boolean,
    readonly quiet: boolean,
  ) {}

  /** A command's result: `lines` for people, `data` for --json. */
  result(lines: readonly string[], data: unknown): void {
    if (this.json) this.stdout.write(toJson(data) + '\n');
    else if (lines.length > 0) this.stdout.write(lines.join('\n') + '\n');
  }

  /** A line for the person at the terminal (stderr); none with --quiet. */
  note(line: string): void {
    if (!this.quiet) this.stderr.write(`atrest: ${line}\n`);
  }

  /** A failure: one line on stderr (as JSON with --json), never a stack trace. */
  failure(failure: Failure, stack?: string): void {
    if (this.json) this.stderr.write(toJson({ error: failure }) + '\n');
    else this.stderr.write(`atrest: ${failure.message}\n`);
    if (stack !== undefined) this.stderr.write(stack + '\n');
  }
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? base64(v) : v), 2);
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** Left-aligned columns for tables of plain strings. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

export const MiB = 1024 * 1024;

export function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
