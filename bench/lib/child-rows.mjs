// Runs the engine rows (bench/lib/engine-rows.mjs) in another runtime's process and reads back its
// result: the child prints its progress and ends with one line `@@ATREST-BENCH@@ {json}`.
// Used for Deno (bench/run-deno.mjs) and Node 24 (bench/run-node24.mjs). Node only.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export const MARK = '@@ATREST-BENCH@@ ';

/** Resolves to the child's result object, or { failed: reason } when it printed none. */
export async function runChild(command, args, { cwd, env = process.env, timeoutMs = 240_000, echo = true, name }) {
  const proc = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let result = null;
  const errs = [];
  createInterface({ input: proc.stdout, crlfDelay: Infinity }).on('line', (l) => {
    if (l.startsWith(MARK)) result = JSON.parse(l.slice(MARK.length));
    else if (echo) console.log(l);
  });
  createInterface({ input: proc.stderr, crlfDelay: Infinity }).on('line', (l) => {
    errs.push(l);
    if (echo) console.error(l);
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise((ok) => {
    proc.on('error', (e) => {
      errs.push(e.message);
      ok(null);
    });
    proc.on('close', ok);
  });
  clearTimeout(timer);
  if (!result) return { failed: `${name} run failed (exit ${code}): ${errs.slice(-5).join(' | ')}` };
  return result;
}
