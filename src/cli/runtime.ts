// The process the CLI runs in, typed here (the build has no @types/node: see src/fs/node-api.d.ts).
// Node and Deno both provide `node:process` with these members, so one code path serves both;
// only the passphrase prompt (prompt.ts) has to know which runtime it is in, and asks
// src/runtime.ts (the one place that tells Deno, Node and browsers apart).

import nodeProcess from 'node:process';

/** The part of a writable stdio stream the CLI uses. */
export interface CliOutputStream {
  write(text: string | Uint8Array): boolean;
  once?(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliInputStream {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  setEncoding?(encoding: string): unknown;
  on(event: 'data', listener: (chunk: string | Uint8Array) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event: string): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface CliProcess {
  readonly argv: string[];
  readonly env: Record<string, string | undefined>;
  exitCode?: number;
  readonly stdout: CliOutputStream;
  readonly stderr: CliOutputStream;
  readonly stdin: CliInputStream;
  cwd(): string;
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  exit(code?: number): never;
}

export const cliProcess = nodeProcess as unknown as CliProcess;
