// OPFS access in a dedicated worker: FileSystemSyncAccessHandle, the only OPFS interface that
// writes in place at a position and has an explicit flush(). Browsers expose it only in
// dedicated workers (it blocks the thread that calls it). It holds an exclusive lock on the
// file: a second store on the same file, in any tab, fails to open until this one closes.
// Its calls are synchronous, so the store offers them as its sync path too (SyncBlockStore).

import type { SyncPrimitives } from '../storage/checked-block-store.js';
import type { OpfsAccess } from './opfs-block-store.js';

/** FileSystemSyncAccessHandle as Chromium ≥ 108, Firefox ≥ 111 and Safari ≥ 16.4 implement it
 *  (synchronous methods). TypeScript declares it only in the webworker lib, which this package
 *  cannot use alongside DOM. */
interface SyncAccessHandle {
  read(buffer: Uint8Array, options: { at: number }): number;
  write(buffer: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}

type HandleWithSyncAccess = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncAccessHandle> };

export class OpfsSyncAccess implements OpfsAccess {
  private readonly access: SyncAccessHandle;

  private constructor(access: SyncAccessHandle) {
    this.access = access;
  }

  /** True where this file handle offers sync access (a dedicated worker). */
  static available(handle: FileSystemFileHandle): boolean {
    return typeof (handle as HandleWithSyncAccess).createSyncAccessHandle === 'function';
  }

  static async open(handle: FileSystemFileHandle): Promise<OpfsSyncAccess> {
    const create = (handle as HandleWithSyncAccess).createSyncAccessHandle;
    if (typeof create !== 'function') {
      throw new Error(
        'OpfsBlockStore.open: FileSystemSyncAccessHandle is not available here (browsers offer it only in dedicated workers)',
      );
    }
    return new OpfsSyncAccess(await create.call(handle));
  }

  /** The same primitives, synchronous (OpfsBlockStore's SyncBlockStore path). */
  readonly primitives: SyncPrimitives = {
    sizeNow: () => this.access.getSize(),
    readAt: (offset, length) => {
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = this.access.read(bytes.subarray(done), { at: offset + done });
        if (n === 0)
          throw new Error(
            `OpfsBlockStore.read: the file ended at ${offset + done} while reading ${length} bytes at ${offset}`,
          );
        done += n;
      }
      return bytes;
    },
    writeAt: (offset, bytes) => {
      // Grow explicitly first: truncate() is specified to zero-fill, and that leaves nothing to
      // how a write past the end is handled.
      if (offset > this.access.getSize()) this.access.truncate(offset);
      let done = 0;
      while (done < bytes.length) {
        const n = this.access.write(bytes.subarray(done), { at: offset + done });
        if (n === 0) throw new Error(`OpfsBlockStore.write: the file accepted no bytes at ${offset + done}`);
        done += n;
      }
    },
    truncateTo: (size) => this.access.truncate(size),
    flushNow: () => this.access.flush(),
  };

  async size(): Promise<number> {
    return this.primitives.sizeNow();
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.primitives.readAt(offset, length);
  }
  async write(offset: number, bytes: Uint8Array): Promise<void> {
    this.primitives.writeAt(offset, bytes);
  }
  async truncate(size: number): Promise<void> {
    this.primitives.truncateTo(size);
  }
  async flush(): Promise<void> {
    this.primitives.flushNow();
  }
  async close(): Promise<void> {
    this.access.close();
  }
}
