// The header as it is on the store, and the one way to change it, so a Volume's idea of its
// header never differs from what the next open will see (issue 12 item 2).
//
// A change is committed once header copy 1 holds it durably (written, then flushed): from then
// on the Volume and every later open see the new header (an open prefers the authentic copy with
// the higher sequence and repairs the other). Until then nothing has changed:
// - If writing or flushing copy 1 fails, copy 1 may hold the new header, the old one or torn
//   bytes, so the old header is written back before the failure is reported. If even that fails,
//   what the store holds is unknown: the header is marked lost and the Volume closes itself; a
//   reopen shows which header (old or new) the store kept.
// - After the commit, copy 2 is written; if that fails the change still stands (reported as done)
//   and copy 2 is marked stale: it is rewritten before the next change, on flush and close, and
//   by the next open. So a failed copy 2 never turns a change the caller was told failed into
//   one that is applied.
//
// The methods are StoreTasks (src/storage/store-task.ts), run on the store's async or sync path.

import type { StoreTask } from '../storage/store-task.js';
import { writeHeaderCopiesTask } from './header-copies.js';

export class HeaderState {
  readonly #copySize: number;
  /** The encoded header both copies should hold (copy 1 does, durably). */
  #bytes: Uint8Array;
  #copy2Stale = false;
  #lost = false;

  constructor(bytes: Uint8Array, copySize: number) {
    this.#bytes = bytes;
    this.#copySize = copySize;
  }

  /** True when a failed update left the store's header unknown (the Volume must be reopened). */
  get lost(): boolean {
    return this.#lost;
  }

  /** Makes `bytes` the header: returns once it is committed (copy 1 durable), throws with the
   *  store unchanged otherwise (or with `lost` set, when not even the old header could be put back). */
  *commit(bytes: Uint8Array, what: string): StoreTask<void> {
    // A stale copy 2 is brought up to date first: a failure of this update must not leave the
    // store with only an older header in copy 2 to fall back on.
    yield* this.repairStaleCopy();
    try {
      yield* writeHeaderCopiesTask(bytes, this.#copySize, [0]);
    } catch (e) {
      try {
        yield* writeHeaderCopiesTask(this.#bytes, this.#copySize, [0]);
      } catch (restoreError) {
        this.#lost = true;
        throw new Error(
          `${what}: the store failed writing header copy 1 (${(e as Error)?.message}) and again restoring the previous header (${(restoreError as Error)?.message}); which header it holds is unknown, so the volume is closed: reopen it to see whether the change was applied`,
          { cause: e },
        );
      }
      throw e;
    }
    this.#bytes = bytes;
    this.#copy2Stale = true;
    try {
      yield* this.repairStaleCopy();
    } catch {
      // Stays stale: rewritten before the next change, on flush and close, and by the next open.
    }
  }

  /** Rewrites copy 2 if an earlier update could not; throws if the store still refuses. */
  *repairStaleCopy(): StoreTask<void> {
    if (!this.#copy2Stale) return;
    yield* writeHeaderCopiesTask(this.#bytes, this.#copySize, [this.#copySize]);
    this.#copy2Stale = false;
  }
}
