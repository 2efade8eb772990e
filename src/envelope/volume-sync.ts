// When a Volume may run a call on its store's sync path (readSync, writeSync, truncateSync,
// flushSync): the store must be a SyncBlockStore whose sync methods work (memory, a file in Node
// or Deno, OPFS through a sync access handle), and no async call of the volume may be queued or
// running — a sync call would overtake it, breaking "one at a time, in call order". The task
// itself is the async path's (volume-data.ts), so the rules and errors are the same.

import type { BlockStore } from '../storage/block-store.js';
import { syncPathOf } from '../storage/block-store.js';
import { runSync, type StoreTask } from '../storage/store-task.js';

export function runVolumeTaskSync<T>(store: BlockStore, what: string, asyncInFlight: number, task: StoreTask<T>): T {
  const sync = syncPathOf(store);
  if (sync === undefined) {
    throw new Error(
      `${what}: the volume's store has no synchronous path (a SyncBlockStore whose synchronous is true: memory, a file in Node or Deno, OPFS through a sync access handle); use the async methods`,
    );
  }
  if (asyncInFlight > 0) {
    throw new Error(
      `${what}: ${asyncInFlight} asynchronous call(s) on this volume are still in flight; await them before using the synchronous methods`,
    );
  }
  return runSync(sync, task);
}
