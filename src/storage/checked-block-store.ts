// The rules every BlockStore shares, written once: argument checks, the read-past-the-end rule,
// read-only and closed states, and one-call-at-a-time ordering. A store subclasses this and
// implements only the primitives, which always receive valid, in-range arguments and never run
// concurrently with each other. A store that can also do them synchronously returns them from
// syncPrimitives(); the sync methods (SyncBlockStore) then run the same rule tasks over them.

import { checkRangeEnd, checkReadInside } from './block-store.js';
import * as check from '../utils/bytes.js';
import type { BlockStore, SyncBlockStore } from './block-store.js';
import { flushOp, readOp, runAsync, runSync, sizeOp, truncateOp, writeOp, type StoreTask } from './store-task.js';

/** What runSync drives: a SyncBlockStore's synchronous methods. */
type SyncDriverTarget = Pick<SyncBlockStore, 'readSync' | 'writeSync' | 'sizeSync' | 'truncateSync' | 'flushSync'>;

/** The primitives, synchronous, under the same contract as the async ones. */
export interface SyncPrimitives {
  sizeNow(): number;
  readAt(offset: number, length: number): Uint8Array;
  writeAt(offset: number, bytes: Uint8Array): void;
  truncateTo(size: number): void;
  flushNow(): void;
}

export abstract class CheckedBlockStore implements SyncBlockStore {
  /** True when the store refuses `write` and `truncate`. */
  readonly readOnly: boolean;
  private readonly storeName: string;
  private closed = false;
  // The tail of the queue of calls. Each call starts when the previous one has settled (either
  // way), so calls apply in call order and a primitive never overlaps another: positioned I/O
  // on one file handle, or one OPFS writable, is not safe to interleave.
  private tail: Promise<unknown> = Promise.resolve();
  /** Async calls queued or running: a sync call must not overtake them. */
  private inFlight = 0;
  /** The sync primitives under the driver's method names, made once per primitives object
   *  (every readSync of a SQLite page goes through it). */
  private syncAdapter: { from: SyncPrimitives; target: SyncDriverTarget } | undefined;
  private readonly asyncPrimitives = {
    read: (offset: number, length: number) => this.readAt(offset, length),
    write: (offset: number, bytes: Uint8Array) => this.writeAt(offset, bytes),
    size: () => this.sizeNow(),
    truncate: (size: number) => this.truncateTo(size),
    flush: () => this.flushNow(),
  };

  protected constructor(storeName: string, readOnly: boolean) {
    this.storeName = storeName;
    this.readOnly = readOnly;
  }

  /** The current size in bytes. */
  protected abstract sizeNow(): Promise<number>;
  /** Exactly `length` bytes at `offset`; the range lies inside the store. */
  protected abstract readAt(offset: number, length: number): Promise<Uint8Array>;
  /** Writes all of `bytes` at `offset`, which may lie beyond the end (the gap reads as zeros). */
  protected abstract writeAt(offset: number, bytes: Uint8Array): Promise<void>;
  protected abstract truncateTo(size: number): Promise<void>;
  protected abstract flushNow(): Promise<void>;
  /** Releases the underlying resource; the base class has already flushed. */
  protected abstract closeNow(): Promise<void>;
  /** The synchronous primitives, where this store has them. */
  protected syncPrimitives(): SyncPrimitives | undefined {
    return undefined;
  }

  /** True when the sync methods work on this store. */
  get synchronous(): boolean {
    return this.syncPrimitives() !== undefined;
  }

  read(offset: number, length: number): Promise<Uint8Array> {
    const what = `${this.storeName}.read`;
    return this.enqueue(what, () => runAsync(this.asyncPrimitives, this.readTask(what, offset, length)));
  }
  write(offset: number, bytes: Uint8Array): Promise<void> {
    const what = `${this.storeName}.write`;
    return this.enqueue(what, () => runAsync(this.asyncPrimitives, this.writeTask(what, offset, bytes)));
  }
  size(): Promise<number> {
    return this.enqueue(`${this.storeName}.size`, () => this.sizeNow());
  }
  truncate(size: number): Promise<void> {
    const what = `${this.storeName}.truncate`;
    return this.enqueue(what, () => runAsync(this.asyncPrimitives, this.truncateTask(what, size)));
  }
  flush(): Promise<void> {
    return this.enqueue(`${this.storeName}.flush`, () => this.flushNow());
  }

  readSync(offset: number, length: number): Uint8Array {
    const what = `${this.storeName}.readSync`;
    return runSync(this.syncTarget(what), this.readTask(what, offset, length));
  }
  writeSync(offset: number, bytes: Uint8Array): void {
    const what = `${this.storeName}.writeSync`;
    runSync(this.syncTarget(what), this.writeTask(what, offset, bytes));
  }
  sizeSync(): number {
    return runSync(this.syncTarget(`${this.storeName}.sizeSync`), sizeOp());
  }
  truncateSync(size: number): void {
    const what = `${this.storeName}.truncateSync`;
    runSync(this.syncTarget(what), this.truncateTask(what, size));
  }
  flushSync(): void {
    runSync(this.syncTarget(`${this.storeName}.flushSync`), flushOp());
  }

  close(): Promise<void> {
    if (this.closed) return this.tail.then(noop, noop);
    this.closed = true; // from now on new calls are refused; queued ones still run
    return this.run(async () => {
      try {
        await this.flushNow();
      } finally {
        await this.closeNow();
      }
    });
  }

  // ---- the rules, once for both paths --------------------------------------------------------

  private *readTask(what: string, offset: number, length: number): StoreTask<Uint8Array> {
    check.byteCount(offset, `${what}: offset`);
    check.byteCount(length, `${what}: length`);
    checkRangeEnd(offset, length, what);
    checkReadInside(offset, length, yield* sizeOp(), what);
    return length === 0 ? new Uint8Array(0) : yield* readOp(offset, length);
  }

  private *writeTask(what: string, offset: number, bytes: Uint8Array): StoreTask<void> {
    check.byteCount(offset, `${what}: offset`);
    check.bytes(bytes, `${what}: bytes`);
    checkRangeEnd(offset, bytes.length, what);
    this.checkWritable(what);
    // An empty write still extends the store to `offset`, like a write of any other length
    // would: "the store is at least offset + length bytes long afterwards" holds for all.
    if (bytes.length === 0) {
      if (offset > (yield* sizeOp())) yield* truncateOp(offset);
      return;
    }
    yield* writeOp(offset, bytes);
  }

  private *truncateTask(what: string, size: number): StoreTask<void> {
    check.byteCount(size, `${what}: size`);
    this.checkWritable(what);
    yield* truncateOp(size);
  }

  private checkWritable(what: string): void {
    if (this.readOnly) throw new Error(`${what}: the store was opened read-only`);
  }

  /** The sync primitives as a driver target, or the error saying why there is none now. */
  private syncTarget(what: string) {
    if (this.closed) throw new Error(`${what}: the store is closed`);
    const p = this.syncPrimitives();
    if (p === undefined) throw new Error(`${what}: this ${this.storeName} has no synchronous path`);
    if (this.inFlight > 0)
      throw new Error(`${what}: an asynchronous call on this store is still in flight (await it first)`);
    if (this.syncAdapter?.from !== p) {
      const target: SyncDriverTarget = {
        readSync: (offset, length) => p.readAt(offset, length),
        writeSync: (offset, bytes) => p.writeAt(offset, bytes),
        sizeSync: () => p.sizeNow(),
        truncateSync: (size) => p.truncateTo(size),
        flushSync: () => p.flushNow(),
      };
      this.syncAdapter = { from: p, target };
    }
    return this.syncAdapter.target;
  }

  private enqueue<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${what}: the store is closed`));
    return this.run(call);
  }

  private run<T>(call: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    // Counted down before the call's promise settles, so a caller resuming after it may go sync.
    const counted = async (): Promise<T> => {
      try {
        return await call();
      } finally {
        this.inFlight -= 1;
      }
    };
    const result = this.tail.then(counted, counted);
    this.tail = result.then(noop, noop);
    return result;
  }
}

function noop(): void {}
