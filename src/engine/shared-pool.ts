// One worker pool shared by every stream of the process that wants one (encryptStream,
// decryptStream and so the CLI's encrypt/decrypt), started lazily on first use — a process that
// never streams a few MiB never starts a thread. Its workers are unref'd while idle
// (pool-spawn.ts), so the pool never keeps a process alive; streams only add work to it.
// A failed start is not cached: the call that sees it rejects, and the next one tries again.

import { createPool, type Pool } from './pool.js';

let shared: Promise<Pool> | undefined;

/** The shared pool (one worker per logical CPU, at most 8), started on first call. */
export function sharedPool(): Promise<Pool> {
  if (shared === undefined) {
    const attempt = createPool();
    shared = attempt;
    attempt.catch(() => {
      if (shared === attempt) shared = undefined;
    });
  }
  return shared;
}
