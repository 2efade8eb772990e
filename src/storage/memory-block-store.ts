// MemoryBlockStore: a BlockStore in one growable Uint8Array, for tests, scratch volumes that
// never touch a disk, and as the reference the other stores are checked against. Nothing
// persists past close(); flush() has nothing to do. Synchronous too (SyncBlockStore): the async
// primitives are the sync ones.

import { bytes } from '../utils/bytes.js';
import { CheckedBlockStore, type SyncPrimitives } from './checked-block-store.js';

export class MemoryBlockStore extends CheckedBlockStore {
  private buffer: Uint8Array;
  private length: number;
  private readonly primitives: SyncPrimitives = {
    sizeNow: () => this.length,
    readAt: (offset, length) => this.buffer.slice(offset, offset + length),
    writeAt: (offset, bytes) => {
      const end = offset + bytes.length;
      if (end > this.length) this.resize(end);
      this.buffer.set(bytes, offset);
    },
    truncateTo: (size) => this.resize(size),
    flushNow: () => undefined,
  };

  /** An empty store, or one holding a copy of `initial` (say, bytes saved from another store). */
  constructor(initial?: Uint8Array) {
    super('MemoryBlockStore', false);
    if (initial !== undefined) bytes(initial, 'new MemoryBlockStore: initial');
    this.buffer = initial === undefined ? new Uint8Array(0) : initial.slice();
    this.length = this.buffer.length;
  }

  protected override syncPrimitives(): SyncPrimitives {
    return this.primitives;
  }

  protected async sizeNow(): Promise<number> {
    return this.primitives.sizeNow();
  }

  protected async readAt(offset: number, length: number): Promise<Uint8Array> {
    return this.primitives.readAt(offset, length);
  }

  protected async writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    this.primitives.writeAt(offset, bytes);
  }

  protected async truncateTo(size: number): Promise<void> {
    this.primitives.truncateTo(size);
  }

  protected async flushNow(): Promise<void> {}

  protected async closeNow(): Promise<void> {
    this.buffer = new Uint8Array(0); // let the memory go even if the store object is kept
    this.length = 0;
  }

  /** Sets the size. Bytes past the size are always zero, so growing needs no clearing. */
  private resize(size: number): void {
    if (size < this.length) {
      this.buffer.fill(0, size, this.length);
    } else if (size > this.buffer.length) {
      // Grow the capacity geometrically: a volume written sector by sequential sector would
      // otherwise copy the whole buffer on every write.
      const grown = allocate(Math.max(size, this.buffer.length * 2), size);
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    this.length = size;
  }
}

/** `preferred` bytes, or only the `needed` ones when the platform refuses that much memory. */
function allocate(preferred: number, needed: number): Uint8Array {
  try {
    return new Uint8Array(preferred);
  } catch (err) {
    if (preferred === needed || !(err instanceof RangeError)) throw err;
    return new Uint8Array(needed);
  }
}
