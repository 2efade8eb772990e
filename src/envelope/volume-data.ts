// The data path of an open Volume — read, write, truncate, flush and header updates — with
// every rule it keeps, written once as StoreTasks (src/storage/store-task.ts). Volume runs each
// task on the store's async path (read, write, …) or, for stores that have one, its sync path
// (readSync, writeSync, …, volume-sync.ts): same checks, same errors, same header and growth
// behaviour, because it is the same code.
//
// Rules (see volume.ts for the whole list):
// - Arguments are checked first; nothing is written by a call that fails its checks.
// - Data is written before the header that makes it reachable (a grown size): growth is
//   amortised, the size is recorded at flush and close, after the store's flush.
// - A shrink records the smaller size before the store is cut.
// - Header changes go through HeaderState.commit (all-or-nothing).

import type { StoreTask } from '../storage/store-task.js';
import { flushOp, truncateOp } from '../storage/store-task.js';
import * as check from '../utils/bytes.js';
import type { Xts } from '../engine/xts.js';
import type { DataKeySession } from './data-key-session.js';
import { ReadOnlyVolumeError } from './errors.js';
import { encodeHeader, type HeaderFields, type SealedFields, type WrappedKey } from './header.js';
import type { HeaderState } from './header-state.js';
import type { SectorIo } from './sector-io.js';

export interface HeaderChange {
  size?: number;
  wrappedKeys?: WrappedKey[];
}

export class VolumeData {
  #fields: HeaderFields;
  #sealed: SealedFields;
  #size: number;

  constructor(
    private readonly sectors: SectorIo,
    private readonly header: HeaderState,
    private readonly session: DataKeySession,
    fields: HeaderFields,
    sealed: SealedFields,
    size: number,
    /** The data may not change (readOnly, or an encrypted stream). */
    readonly dataReadOnly: boolean,
    /** Called when a failed header update left the header unknown: the Volume closes. */
    private readonly onHeaderLost: () => void,
  ) {
    this.#fields = fields;
    this.#sealed = sealed;
    this.#size = size;
  }

  get fields(): HeaderFields {
    return this.#fields;
  }
  get sealed(): SealedFields {
    return this.#sealed;
  }
  get size(): number {
    return this.#size;
  }

  /** `xts`: a derived SectorKey's engine key instead of the volume's (sector-key.ts). */
  *read(what: string, offset: number | bigint, length: number | bigint, xts?: Xts): StoreTask<Uint8Array> {
    const start = check.byteCount(offset, `${what}: offset`, true);
    const count = check.byteCount(length, `${what}: length`, true);
    if (start + count > this.#size) {
      throw new RangeError(
        `${what}: read past the end of the volume (size ${this.#size}): offset ${start} + length ${count} = ${start + count}`,
      );
    }
    return yield* this.sectors.readRange(start, count, xts);
  }

  /** Writes `bytes` at `offset`; past the end, the volume grows (the gap reads as zeros under
   *  the key of this write). */
  *write(what: string, offset: number | bigint, bytes: Uint8Array, xts?: Xts): StoreTask<void> {
    const start = check.byteCount(offset, `${what}: offset`, true);
    const data = check.bytes(bytes, `${what}: bytes`);
    if (!Number.isSafeInteger(start + data.length)) throw new RangeError(`${what}: offset + length goes beyond 2^53−1`);
    this.#checkDataWritable(what);
    if (data.length === 0) return;
    const end = start + data.length;
    const oldSize = this.#size;
    // Writing past the end also (re)writes the gap from the old end as zeros: bytes of the old
    // last sector beyond the old size may hold data of a write that crashed before its header.
    const from = Math.min(start, oldSize);
    yield* this.sectors.writeRange(from, end, start, data, oldSize, xts);
    // The header learns the new size at the next flush() or close() (amortised growth).
    if (end > oldSize) this.#size = end;
  }

  /** Sets the size: a shrink drops the bytes beyond it (the store is cut after the header
   *  records the smaller size); a growth adds zeros, recorded at the next flush. */
  *truncate(what: string, size: number | bigint): StoreTask<void> {
    const target = check.byteCount(size, `${what}: size`, true);
    this.#checkDataWritable(what);
    const oldSize = this.#size;
    if (target === oldSize) return;
    if (target > oldSize) {
      yield* this.sectors.writeRange(oldSize, target, target, new Uint8Array(0), oldSize);
      this.#size = target;
      return;
    }
    if (target < (this.#sealed.size ?? 0)) {
      // The header must never record more than the store holds: smaller size first, then cut.
      yield* flushOp();
      yield* this.updateHeader(what, { size: target });
    }
    this.#size = target;
    // The shrink is done (recorded, or never recorded beyond the target). Cutting the store only
    // gives the space back: if the store refuses, the sectors past the size stay unreachable
    // (a later growth rewrites them), so the truncate is not reported as failed when it is not.
    const ss = this.#fields.sectorSize;
    try {
      yield* truncateOp(this.#fields.dataOffset + Math.ceil(target / ss) * ss);
      yield* flushOp();
    } catch {
      // See above: the next truncate or destroy cuts the store.
    }
  }

  /** flush() and close(): the store first (data before the header that makes it reachable),
   *  then a grown size into the header, then a copy 2 a failed update left stale. */
  *flushAndRecordSize(what: string): StoreTask<void> {
    yield* flushOp();
    if (!this.dataReadOnly && this.#size !== this.#sealed.size) yield* this.updateHeader(what, { size: this.#size });
    yield* this.header.repairStaleCopy();
  }

  /** Commits a new header with the changes; memory follows only once the store has it. */
  *updateHeader(what: string, change: HeaderChange): StoreTask<void> {
    const fields: HeaderFields = {
      ...this.#fields,
      sequence: this.#fields.sequence + 1,
      wrappedKeys: change.wrappedKeys ?? this.#fields.wrappedKeys,
    };
    const sealed: SealedFields = { ...this.#sealed, size: change.size ?? this.#sealed.size };
    const bytes = encodeHeader(fields, sealed, this.session.metadataGcm, this.session.headerMacKey);
    try {
      yield* this.header.commit(bytes, what);
    } catch (e) {
      if (this.header.lost) this.onHeaderLost();
      throw e;
    }
    this.#fields = fields;
    this.#sealed = sealed;
  }

  #checkDataWritable(what: string): void {
    if (this.dataReadOnly)
      throw new ReadOnlyVolumeError(`${what}: the volume is read-only (opened with readOnly, or an encrypted stream)`);
  }
}
