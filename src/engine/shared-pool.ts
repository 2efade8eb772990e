// One worker pool shared by every stream of the process that wants one (encryptStream,
// decryptStream and so the CLI's encrypt/decrypt), started lazily on first use — a process that
// never streams a few MiB never starts a thread. In Node its workers are unref'd while idle
// (pool-spawn.ts), so the pool never keeps a process alive; streams only add work to it.
// Deno and browsers get a pool without workers (every call on the calling thread): their Web
// Workers cannot be unref'd, and a Deno process waits for live workers before it exits, so a
// shared pool nobody closes would keep `deno run` from ending.
// A failed start is not cached: the call that sees it rejects, and the next one tries again.

import { createPool, type Pool } from './pool.js';
import { isNode } from '../runtime.js';

let shared: Promise<Pool> | undefined;

/** The shared pool (in Node one worker per logical CPU, at most 8; elsewhere none), started on
 *  first call. */
export function sharedPool(): Promise<Pool> {
  if (shared === undefined) {
    const attempt = createPool(isNode() ? {} : { workers: 0 });
    shared = attempt;
    attempt.catch(() => {
      if (shared === attempt) shared = undefined;
    });
  }
  return shared;
}
