// One implementation, two ways to run it. A StoreTask is a generator that does its rule checks,
// arithmetic and encryption in plain code and yields each store operation it needs (read, write,
// size, truncate, flush); a driver performs the operation and resumes the task with the result
// (or throws the store's error into it, so the task's own try/catch sees it). runAsync drives a
// task over a BlockStore's promises, runSync over a SyncBlockStore's synchronous methods. The
// Volume's data path and the CheckedBlockStore's rules are written once as tasks, so the async
// and the sync method of each are the same code, not two copies that could drift apart.

import type { BlockStore, SyncBlockStore } from './block-store.js';

export type StoreOp =
  | { op: 'read'; offset: number; length: number }
  | { op: 'write'; offset: number; bytes: Uint8Array }
  | { op: 'size' }
  | { op: 'truncate'; size: number }
  | { op: 'flush' };

/** A task yields StoreOps and is resumed with each one's result (bytes for read, the size for
 *  size, nothing for the others); it returns T. */
export type StoreTask<T> = Generator<StoreOp, T, unknown>;

/** The store operations as tasks, to be used with `yield*` inside a task. */
export function* readOp(offset: number, length: number): StoreTask<Uint8Array> {
  return (yield { op: 'read', offset, length }) as Uint8Array;
}
export function* writeOp(offset: number, bytes: Uint8Array): StoreTask<void> {
  yield { op: 'write', offset, bytes };
}
export function* sizeOp(): StoreTask<number> {
  return (yield { op: 'size' }) as number;
}
export function* truncateOp(size: number): StoreTask<void> {
  yield { op: 'truncate', size };
}
export function* flushOp(): StoreTask<void> {
  yield { op: 'flush' };
}

type AsyncTarget = Pick<BlockStore, 'read' | 'write' | 'size' | 'truncate' | 'flush'>;
type SyncTarget = Pick<SyncBlockStore, 'readSync' | 'writeSync' | 'sizeSync' | 'truncateSync' | 'flushSync'>;

function performAsync(target: AsyncTarget, o: StoreOp): Promise<unknown> {
  switch (o.op) {
    case 'read':
      return target.read(o.offset, o.length);
    case 'write':
      return target.write(o.offset, o.bytes);
    case 'size':
      return target.size();
    case 'truncate':
      return target.truncate(o.size);
    case 'flush':
      return target.flush();
  }
}

function performSync(target: SyncTarget, o: StoreOp): unknown {
  switch (o.op) {
    case 'read':
      return target.readSync(o.offset, o.length);
    case 'write':
      return target.writeSync(o.offset, o.bytes);
    case 'size':
      return target.sizeSync();
    case 'truncate':
      return target.truncateSync(o.size);
    case 'flush':
      return target.flushSync();
  }
}

/** Runs `task`, awaiting each operation on `target`. */
export async function runAsync<T>(target: AsyncTarget, task: StoreTask<T>): Promise<T> {
  let step = task.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await performAsync(target, step.value);
    } catch (e) {
      step = task.throw(e);
      continue;
    }
    step = task.next(result);
  }
  return step.value;
}

/** Runs `task` to its end without yielding to the event loop. */
export function runSync<T>(target: SyncTarget, task: StoreTask<T>): T {
  let step = task.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = performSync(target, step.value);
    } catch (e) {
      step = task.throw(e);
      continue;
    }
    step = task.next(result);
  }
  return step.value;
}
