// The shared pool streams use (src/engine/shared-pool.ts): in Node one worker per logical CPU
// (at most 8), one fewer (at least one) where node:crypto has AES instructions — the rule
// computed here from os.availableParallelism() and /proc/cpuinfo, independently of the code's
// own lookup. Node only: it imports build/tsc (the package does not export the shared pool).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { sharedPool } from '../../build/tsc/engine/shared-pool.js';

const test = suite('shared pool: worker count');

function cpuHasAes() {
  if (process.platform === 'darwin') return true;
  if (process.platform !== 'linux') return false;
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'latin1'));
  return line !== null && line[1].split(/\s+/).includes('aes');
}

test('one worker per CPU, one fewer (at least one) with AES instructions; the same pool each call', async () => {
  const cpus = Math.min(8, availableParallelism());
  const want = cpuHasAes() ? Math.max(1, cpus - 1) : cpus;
  const pool = await sharedPool();
  assert.is(pool.workers, want, `${cpus} CPUs, AES instructions: ${cpuHasAes()}`);
  assert.is(await sharedPool(), pool, 'one shared pool per process');
  if (cpuHasAes()) assert.is(pool.backend, 'auto', 'the workers pick node:crypto per call');
});

test.run();
