// Reading all of stdin as text (a key policy piped in). Refuses a terminal: a person would be
// left waiting for a document they did not know to type.

import { UsageError } from './exit-codes.js';
import { cliProcess } from './runtime.js';

export async function readStdinText(): Promise<string> {
  const stdin = cliProcess.stdin as unknown as AsyncIterable<string | Uint8Array> & { isTTY?: boolean };
  if (stdin.isTTY === true)
    throw new UsageError('no file given and stdin is a terminal: pass a file, or pipe the document in');
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}
