// Reading a passphrase from the terminal without echoing it: the terminal is put in raw mode
// (no echo, no line editing) and the characters are collected here, with backspace handled and
// Ctrl-C / Ctrl-D cancelling. Deno and Node expose raw mode differently (Deno.stdin.setRaw,
// process.stdin.setRawMode), so each has its own reader.

import { UsageError } from './exit-codes.js';
import { cliProcess } from './runtime.js';
import { denoNamespace } from '../runtime.js';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = new Set(['\u007f', '\b']);

/** True when a person can be asked: stdin and stderr are both terminals. */
export function canPrompt(): boolean {
  const deno = denoNamespace();
  const stdinIsTerminal = deno !== undefined ? deno.stdin.isTerminal() : cliProcess.stdin.isTTY === true;
  return stdinIsTerminal && cliProcess.stderr.isTTY === true;
}

/** Shows `question` on stderr and reads one line without echo. */
export async function promptHidden(question: string): Promise<string> {
  cliProcess.stderr.write(question);
  try {
    return denoNamespace() !== undefined ? await readHiddenDeno() : await readHiddenNode();
  } finally {
    cliProcess.stderr.write('\n');
  }
}

/** Applies one typed chunk to `typed`; returns 'done', 'cancel' or the new text. */
function applyKeys(typed: string, chunk: string): { typed: string; state: 'more' | 'done' | 'cancel' } {
  for (const ch of chunk) {
    if (ch === '\r' || ch === '\n') return { typed, state: 'done' };
    if (ch === CTRL_C || ch === CTRL_D) return { typed: '', state: 'cancel' };
    if (BACKSPACE.has(ch)) typed = [...typed].slice(0, -1).join('');
    else if (ch >= ' ') typed += ch;
  }
  return { typed, state: 'more' };
}

function readHiddenNode(): Promise<string> {
  const stdin = cliProcess.stdin;
  return new Promise((resolve, reject) => {
    let typed = '';
    const stop = () => {
      stdin.setRawMode?.(false);
      stdin.removeAllListeners('data');
      stdin.removeAllListeners('end');
      stdin.pause();
    };
    stdin.setRawMode?.(true);
    stdin.setEncoding?.('utf8');
    stdin.on('data', (chunk) => {
      const next = applyKeys(typed, typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
      typed = next.typed;
      if (next.state === 'more') return;
      stop();
      if (next.state === 'done') resolve(typed);
      else reject(new UsageError('passphrase prompt cancelled'));
    });
    stdin.on('end', () => {
      stop();
      reject(new UsageError('passphrase prompt: the input ended before a line was entered'));
    });
    stdin.resume();
  });
}

async function readHiddenDeno(): Promise<string> {
  const stdin = denoNamespace()!.stdin;
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(256);
  let typed = '';
  stdin.setRaw(true);
  try {
    for (;;) {
      const n = await stdin.read(buffer);
      if (n === null) throw new UsageError('passphrase prompt: the input ended before a line was entered');
      const next = applyKeys(typed, decoder.decode(buffer.subarray(0, n), { stream: true }));
      typed = next.typed;
      if (next.state === 'done') return typed;
      if (next.state === 'cancel') throw new UsageError('passphrase prompt cancelled');
    }
  } finally {
    buffer.fill(0);
    stdin.setRaw(false);
  }
}
