// One worker pool shared by every stream of the process that wants one (encryptStream,
// decryptStream and so the CLI's encrypt/decrypt), started lazily on first use — a process that
// never streams a few MiB never starts a thread. In Node its workers are unref'd while idle
// (pool-spawn.ts), so the pool never keeps a process alive; streams only add work to it.
// Deno and browsers get a pool without workers (every call on the calling thread): their Web
// Workers cannot be unref'd, and a Deno process waits for live workers before it exits, so a
// shared pool nobody closes would keep `deno run` from ending.
// A failed start is not cached: the call that sees it rejects, and the next one tries again.
//
// How many workers. Where the CPU has AES instructions, the pool's engine ('auto') runs every
// batch through node:crypto, and then one core fewer is as fast: a worker's AES-NI keeps up with
// what the calling thread reads, writes and posts, so on 2 cores a second worker only added
// memory — measured for issue 14 (CLI encrypt of 1 GiB, 3 runs each, alternating): 1.26–1.51 s
// and 147–152 MB peak RSS with one worker, 1.28–1.53 s and 184–199 MB with two; encryptStream
// of 256 MiB in memory 978–1086 MiB/s with one, 834–1175 with two. Each worker costs ~14 MB
// at start, and node:crypto's outputs (a fresh Buffer per 64 KiB) are garbage its isolate keeps
// until V8's external-memory trigger (tens of MB). Without AES instructions the workers run the
// wasm kernel, which is the work itself: one worker per logical CPU.

import { cpuCount } from './pool-spawn.js';
import { createPool, DEFAULT_MAX_WORKERS, type Pool } from './pool.js';
import { loadNativeXts } from './xts-native.js';
import { isNode } from '../runtime.js';

let shared: Promise<Pool> | undefined;

/** The shared pool, started on first call: in Node one worker per logical CPU (at most 8), one
 *  fewer (at least one) where node:crypto has AES instructions to run XTS on; elsewhere none. */
export function sharedPool(): Promise<Pool> {
  if (shared === undefined) {
    const attempt = isNode() ? startNodePool() : createPool({ workers: 0 });
    shared = attempt;
    attempt.catch(() => {
      if (shared === attempt) shared = undefined;
    });
  }
  return shared;
}

async function startNodePool(): Promise<Pool> {
  const cpus = Math.min(DEFAULT_MAX_WORKERS, await cpuCount());
  const aesInstructions = (await loadNativeXts())?.hardwareAes === true;
  return createPool({ workers: aesInstructions ? Math.max(1, cpus - 1) : cpus });
}
