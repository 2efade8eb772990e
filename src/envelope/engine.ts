// One engine (wasm instance) shared by every volume, stream and envelope of this module: the
// instance is created on first use and its key slots are released per object by dispose().

import { createEngine, type Engine } from '../engine/engine.js';

let shared: Promise<Engine> | undefined;

export function sharedEngine(): Promise<Engine> {
  if (shared === undefined) {
    shared = createEngine();
    // A failed instantiation is not cached: the next call tries again.
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}
