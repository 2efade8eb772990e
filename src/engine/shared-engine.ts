// One engine (wasm instance) shared by every part of the library that needs one and is not
// handed one: the key service's sealers and GCM calls, and every volume, stream and envelope.
// Instantiating is the slow part; each user holds only key slots in the instance and releases
// them with dispose(). Every call on an engine runs to completion synchronously, so sharing
// one never lets two calls use its I/O window at once. It takes createEngine's default backend,
// 'auto': in Node, volumes and streams of 4 KiB sectors run XTS on node:crypto (AES-NI).

import { createEngine, type Engine } from './engine.js';

let shared: Promise<Engine> | undefined;

/** The shared engine, created on first use. A failed instantiation is not cached: the call
 *  that sees it rejects, and the next call tries again. */
export function sharedEngine(): Promise<Engine> {
  if (shared === undefined) {
    const attempt = createEngine();
    shared = attempt;
    attempt.catch(() => {
      if (shared === attempt) shared = undefined;
    });
  }
  return shared;
}
