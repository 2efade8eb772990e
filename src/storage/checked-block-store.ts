// The rules every BlockStore shares, written once: argument checks, the read-past-the-end rule,
// read-only and closed states, and one-call-at-a-time ordering. A store subclasses this and
// implements only the primitives, which always receive valid, in-range arguments and never run
// concurrently with each other.

import { checkRangeEnd, checkReadInside } from './block-store.js';
import * as check from '../utils/bytes.js';
import type { BlockStore } from './block-store.js';

export abstract class CheckedBlockStore implements BlockStore {
  /** True when the store refuses `write` and `truncate`. */
  readonly readOnly: boolean;
  private readonly storeName: string;
  private closed = false;
  // The tail of the queue of calls. Each call starts when the previous one has settled (either
  // way), so calls apply in call order and a primitive never overlaps another: positioned I/O
  // on one file handle, or one OPFS writable, is not safe to interleave.
  private tail: Promise<unknown> = Promise.resolve();

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

  read(offset: number, length: number): Promise<Uint8Array> {
    const what = `${this.storeName}.read`;
    return this.enqueue(what, async () => {
      check.byteCount(offset, `${what}: offset`);
      check.byteCount(length, `${what}: length`);
      checkRangeEnd(offset, length, what);
      checkReadInside(offset, length, await this.sizeNow(), what);
      return length === 0 ? new Uint8Array(0) : this.readAt(offset, length);
    });
  }

  write(offset: number, bytes: Uint8Array): Promise<void> {
    const what = `${this.storeName}.write`;
    return this.enqueue(what, async () => {
      check.byteCount(offset, `${what}: offset`);
      check.bytes(bytes, `${what}: bytes`);
      checkRangeEnd(offset, bytes.length, what);
      this.checkWritable(what);
      // An empty write still extends the store to `offset`, like a write of any other length
      // would: "the store is at least offset + length bytes long afterwards" holds for all.
      if (bytes.length === 0) {
        if (offset > (await this.sizeNow())) await this.truncateTo(offset);
        return;
      }
      await this.writeAt(offset, bytes);
    });
  }

  size(): Promise<number> {
    return this.enqueue(`${this.storeName}.size`, () => this.sizeNow());
  }

  truncate(size: number): Promise<void> {
    const what = `${this.storeName}.truncate`;
    return this.enqueue(what, async () => {
      check.byteCount(size, `${what}: size`);
      this.checkWritable(what);
      await this.truncateTo(size);
    });
  }

  flush(): Promise<void> {
    return this.enqueue(`${this.storeName}.flush`, () => this.flushNow());
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

  private checkWritable(what: string): void {
    if (this.readOnly) throw new Error(`${what}: the store was opened read-only`);
  }

  private enqueue<T>(what: string, call: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${what}: the store is closed`));
    return this.run(call);
  }

  private run<T>(call: () => Promise<T>): Promise<T> {
    const result = this.tail.then(call, call);
    this.tail = result.then(noop, noop);
    return result;
  }
}

function noop(): void {}
