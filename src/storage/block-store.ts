// BlockStore: the byte storage a volume lives on — memory, a file (Node, Deno), an OPFS file
// (browsers). Deliberately small, so a store for anything else (a database blob, an object in a
// bucket) is a few lines; the volume layer does sectors, encryption and headers above it.

/**
 * A growable array of bytes with positioned access. Every store in atrest follows these rules
 * (and passes one shared test suite, tests/_lib/block-store-suite.js):
 *
 * - Offsets, lengths and sizes are non-negative safe integers (`number`); a wrong type is a
 *   `TypeError`, a wrong value a `RangeError`, each with a message naming the rule. A call with
 *   bad arguments rejects before anything is read or written.
 * - Calls take effect one at a time, in the order they were made, even when the caller does not
 *   await each one: a `read` issued after a `write` sees it.
 * - `read(offset, length)` returns a new array of exactly `length` bytes that the caller owns.
 *   Reading past the end is a `RangeError` ("read past the end of the store (size N)"), never a
 *   short result: a volume that finds fewer bytes than its header promised is damaged, and
 *   silently returning what exists would hide that.
 * - `write(offset, bytes)` may start beyond the end: the store grows and the gap reads as zeros.
 *   The store may read `bytes` at any time until the returned promise settles; do not modify
 *   them before then.
 * - `truncate(size)` shrinks the store or grows it with zeros.
 * - `flush()` makes everything written before it durable, as far as the platform allows (fsync
 *   for files; see each store for the details).
 * - `close()` flushes and releases the store. Every later call except `close()` itself rejects
 *   with an `Error`; calling `close()` again does nothing, so it is safe in `finally` blocks.
 * - A store opened read-only rejects `write` and `truncate` with an `Error`.
 */
export interface BlockStore {
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, bytes: Uint8Array): Promise<void>;
  size(): Promise<number>;
  truncate(size: number): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A BlockStore that can also be called synchronously (memory; files in Node and Deno; OPFS
 * through a sync access handle). The sync methods follow exactly the rules above, throwing
 * instead of rejecting. `synchronous` says whether they work on this store object (a class may
 * offer them only for some ways of opening). A sync call while an async call of the same store
 * is still in flight is refused with an Error: it would overtake the queued call.
 */
export interface SyncBlockStore extends BlockStore {
  readonly synchronous: boolean;
  readSync(offset: number, length: number): Uint8Array;
  writeSync(offset: number, bytes: Uint8Array): void;
  sizeSync(): number;
  truncateSync(size: number): void;
  flushSync(): void;
}

/** The store as a SyncBlockStore when its sync methods work, else undefined. */
export function syncPathOf(store: BlockStore): SyncBlockStore | undefined {
  const s = store as Partial<SyncBlockStore>;
  return s.synchronous === true &&
    typeof s.readSync === 'function' &&
    typeof s.writeSync === 'function' &&
    typeof s.sizeSync === 'function' &&
    typeof s.truncateSync === 'function' &&
    typeof s.flushSync === 'function'
    ? (store as SyncBlockStore)
    : undefined;
}

/** The end of a range (`offset + length`) must stay a safe integer, or positions would round. */
export function checkRangeEnd(offset: number, length: number, what: string): number {
  const end = offset + length;
  if (!Number.isSafeInteger(end)) {
    throw new RangeError(`${what}: offset ${offset} + length ${length} goes beyond 2^53−1 bytes`);
  }
  return end;
}

/** The read rule: the whole range must lie inside the store. */
export function checkReadInside(offset: number, length: number, size: number, what: string): void {
  if (offset + length > size) {
    throw new RangeError(
      `${what}: read past the end of the store (size ${size}): offset ${offset} + length ${length} = ${offset + length}`,
    );
  }
}
