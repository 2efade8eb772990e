// Where results and notes go. Results go to stdout: human-readable lines, or with --json one
// JSON document (dates as ISO strings, byte arrays as base64) for scripts. Notes (the key store
// was created, a warning) go to stderr, so stdout stays clean for a pipe, and are silenced by
// --quiet.
//
// Everything printed passes through escapeTerminal: lines carry strings from untrusted files
// (an encrypted file's header: key ARNs, context pairs, grant ids; error messages quoting them),
// and a terminal obeys escape sequences in them (move the cursor, rewrite earlier lines, set the
// window title). Control characters, DEL, the C1 range and the bidirectional overrides are
// shown as \xNN / \u{NNNN}; JSON output escapes them as \uNNNN.

import type { CliOutputStream } from './runtime.js';
import type { Failure } from './exit-codes.js';

export class Output {
  constructor(
    private stdout: CliOutputStream,
    private readonly stderr: CliOutputStream,
    readonly json: boolean,
    readonly quiet: boolean,
  ) {}

  /** Sends results to stderr from now on: stdout carries the command's data (`-` output). */
  resultsToStderr(): void {
    this.stdout = this.stderr;
  }

  /** A command's result: `lines` for people, `data` for --json. */
  result(lines: readonly string[], data: unknown): void {
    if (this.json) this.stdout.write(toJson(data) + '\n');
    // A result line may be a multi-line text (a policy document): its newlines are kept. Lines
    // built from untrusted values escape those values themselves first (inspect.ts).
    else if (lines.length > 0)
      this.stdout.write(
        lines
          .flatMap((l) => l.split('\n'))
          .map(escapeTerminal)
          .join('\n') + '\n',
      );
  }

  /** With --json: one compact JSON document per value, one per line (rows of a query). */
  jsonLines(values: readonly unknown[]): void {
    for (const v of values) this.stdout.write(toJson(v, 0) + '\n');
  }

  /** A line for the person at the terminal (stderr); none with --quiet. */
  note(line: string): void {
    if (!this.quiet) this.stderr.write(`atrest: ${escapeTerminal(line)}\n`);
  }

  /** A failure: one line on stderr (as JSON with --json), never a stack trace. */
  failure(failure: Failure, stack?: string): void {
    if (this.json) this.stderr.write(toJson({ error: failure }) + '\n');
    else this.stderr.write(`atrest: ${escapeTerminal(failure.message)}\n`);
    if (stack !== undefined) this.stderr.write(stack + '\n');
  }
}

/** C0 controls (tab kept), DEL, C1 controls, bidi embeddings/overrides/isolates, LS/PS. */
const UNSAFE_FOR_TERMINAL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line of text with every character a terminal could act on made visible. */
export function escapeTerminal(line: string): string {
  return line.replace(UNSAFE_FOR_TERMINAL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

export function toJson(value: unknown, indent = 2): string {
  // JSON.stringify escapes C0 controls itself (the raw newlines left are its indentation); the
  // rest is escaped here as \uNNNN, so the document still parses to the same strings.
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? base64(v) : v), indent).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

/** Left-aligned columns for tables of plain strings. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export const MiB = 1024 * 1024;

export function formatMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
