// Volume: an encrypted block device on a BlockStore. A header (two copies) holds the KMS-wrapped
// data key(s) and, sealed, the metadata and size; then come the data sectors, each
// XTS-AES-256 with tweak = its number counted from the first data sector. Byte-range reads and
// writes decrypt and encrypt whole sectors (read-modify-write at the edges).
//
// Rules kept everywhere:
// - Every check (arguments, policy, key state) and every key-service call happens before the
//   first byte is written, so a failed operation leaves the store as it was.
// - Header changes go through HeaderState.commit: all-or-nothing as this object and the next
//   open see it (committed once copy 1 is durable; see header-state.ts).
// - Data is written before the header that makes it reachable (a grown size), so a crash
//   leaves the old size over untouched sectors or the new size over written ones.
// - Growth is amortised (docs/FORMAT.md, "Size"): a write past the end grows the size in
//   memory only; flush() and close() flush the store and then record the size in the header,
//   once per flush however many writes grew it. The recorded size is never beyond flushed data.
//   A shrink (truncate) records the smaller size before the store is cut.
// - Operations on one volume run one at a time, in call order (a read-modify-write of a sector
//   must not interleave with another write of it).
// - The store stays the caller's: close() flushes it and zeroes the keys, but does not close it.
// - Derived sector keys (sector-key.ts): read and write may name a SectorKey, an XTS key
//   derived from the data key under a label; the caller keeps each sector under one key.
// - The data path (volume-data.ts) is written once as StoreTasks: read/write/truncate/flush run
//   it on the store's async path, readSync/writeSync/truncateSync/flushSync on its sync path
//   (stores that have one: memory, files, OPFS sync access handles; volume-sync.ts).

import type { BlockStore } from '../storage/block-store.js';
import type { KmsClient } from '../kms/types.js';
import * as check from '../utils/bytes.js';
import { checkChangeKeyOptions, checkDestroyOptions, checkKmsClient, checkOptions, checkStore } from './arguments.js';
import { DataKeySession } from './data-key-session.js';
import { HeaderDamagedError, ReadOnlyVolumeError, VolumeClosedError } from './errors.js';
import { VolumeData, type HeaderChange } from './volume-data.js';
import { runVolumeTaskSync } from './volume-sync.js';
import { FLAG_SCRATCH, FLAG_SIZE_IN_TRAILER } from './format.js';
import { copiesToRepair, readHeaderCopies, writeHeaderCopies } from './header-copies.js';
import { openSealed, type HeaderFields, type SealedFields } from './header.js';
import { HeaderState } from './header-state.js';
import type { StoreTask } from '../storage/store-task.js';
import { runAsync } from '../storage/store-task.js';
import { unlockHeader } from './header-unlock.js';
import { findRemovableKey, planKeyChange, retireGrants } from './key-changes.js';
import { destroyScratchKey, retireVolumeGrant } from './kms-calls.js';
import { checkPolicy, type CheckedPolicy } from './policy.js';
import { SectorIo } from './sector-io.js';
import { checkSectorKeyLabel, SectorKey } from './sector-key.js';
import { storedDataSize } from './trailer.js';
import { prepareVolume } from './volume-create.js';
import type { ChangeKeyOptions, CreateVolumeOptions, DestroyOptions, OpenVolumeOptions } from './volume-options.js';

export class Volume {
  readonly #store: BlockStore;
  readonly #kms: KmsClient;
  readonly #policy: CheckedPolicy;
  /** Opened with readOnly: nothing may be written, not even the header. */
  readonly #readOnly: boolean;
  #session: DataKeySession;
  readonly #data: VolumeData;
  readonly #header: HeaderState;
  #closed = false;
  #queue: Promise<unknown> = Promise.resolve();
  /** Async calls queued or running: a sync call must not overtake them. */
  #inFlight = 0;

  private constructor(
    store: BlockStore,
    kms: KmsClient,
    policy: CheckedPolicy,
    session: DataKeySession,
    fields: HeaderFields,
    sealed: SealedFields,
    headerBytes: Uint8Array,
    size: number,
    readOnly: boolean,
    /** The data may not change: readOnly, or an encrypted stream (its exact length is sealed in
     *  the trailer after the last sector). Header-only changes — rewrap, addKey, removeKey,
     *  destroy — still work on a stream: they rewrite the two header copies and nothing else. */
    dataReadOnly: boolean,
  ) {
    this.#store = store;
    this.#header = new HeaderState(headerBytes, fields.copySize);
    this.#kms = kms;
    this.#policy = policy;
    this.#session = session;
    const sectors = new SectorIo(session.xts, fields.dataOffset, fields.sectorSize);
    this.#data = new VolumeData(sectors, this.#header, session, fields, sealed, size, dataReadOnly, () => {
      this.#closed = true;
      this.#session.close();
    });
    this.#readOnly = readOnly;
  }

  // ---- create ------------------------------------------------------------------------------

  static async create(store: BlockStore, options: CreateVolumeOptions): Promise<Volume> {
    const what = 'Volume.create';
    // Every check and every key-service call, before the first write (volume-create.ts).
    const made = await prepareVolume(store, options, what);
    const { kms, policy, session, fields, sealed, header } = made;
    const size = sealed.size ?? 0;
    const volume = new Volume(store, kms, policy, session, fields, sealed, header, size, false, false);
    try {
      // Sectors first (zeros, encrypted), then the header that makes them a volume.
      await runAsync(
        store,
        new SectorIo(session.xts, fields.dataOffset, fields.sectorSize).writeRange(0, size, size, new Uint8Array(0), 0),
      );
      await store.flush();
      await writeHeaderCopies(store, header, fields.copySize);
    } catch (e) {
      // A store that failed mid-way: leave it empty again rather than half a volume, and undo
      // what the key service did for it.
      await store.truncate(0).catch(() => undefined);
      await made.rollback();
      throw e;
    }
    return volume;
  }

  // ---- open --------------------------------------------------------------------------------

  static async open(store: BlockStore, options: OpenVolumeOptions): Promise<Volume> {
    const what = 'Volume.open';
    checkStore(store, what);
    const o = checkOptions(options, what);
    const kms = checkKmsClient(o.kms, what);
    const policy = checkPolicy(o.policy, what);
    if (o.readOnly !== undefined && typeof o.readOnly !== 'boolean')
      throw new TypeError(`${what}: readOnly must be a boolean`);
    const readOnlyRequested = o.readOnly === true;

    const copies = await readHeaderCopies(store, what);
    const { dataKey, chosen } = await unlockHeader(copies, kms, policy, what);
    const fields = chosen.fields;
    const session = await DataKeySession.create(dataKey, fields.sectorSize);
    try {
      let sealed: SealedFields;
      try {
        sealed = openSealed(chosen, session.metadataGcm);
      } catch (e) {
        throw new HeaderDamagedError(`${what}: the sealed metadata of an authenticated header does not open`, {
          cause: e,
        });
      }
      const trailerMode = (fields.flags & FLAG_SIZE_IN_TRAILER) !== 0;
      const size = await storedDataSize(store, fields, sealed, session.metadataGcm, what);
      if (!readOnlyRequested) {
        const repair = copiesToRepair(copies, chosen);
        if (repair.length > 0) {
          try {
            await writeHeaderCopies(store, chosen.bytes, fields.copySize, repair);
          } catch (e) {
            throw new Error(
              `${what}: the header copy at offset ${repair.join(' and ')} is damaged or stale and could not be repaired (the store refused the write: ${(e as Error)?.message}); open with readOnly: true to read without repairing`,
              { cause: e },
            );
          }
        }
      }
      return new Volume(
        store,
        kms,
        policy,
        session,
        fields,
        sealed,
        chosen.bytes,
        size,
        readOnlyRequested,
        readOnlyRequested || trailerMode,
      );
    } catch (e) {
      session.close();
      throw e;
    }
  }

  // ---- properties --------------------------------------------------------------------------

  /** Bytes of data. */
  get size(): number {
    return this.#data.size;
  }
  get sectorSize(): number {
    return this.#data.fields.sectorSize;
  }
  get cipher(): string {
    return this.#data.fields.cipher;
  }
  /** The random volume id (hex), also in every wrapped key's encryption context. */
  get volumeId(): string {
    return check.toHex(this.#data.fields.volumeId);
  }
  /** A copy of the user metadata. */
  get metadata(): unknown {
    return JSON.parse(JSON.stringify(this.#data.sealed.metadata ?? null)) as unknown;
  }
  /** The KMS key ARNs the data key is wrapped under, in header order. */
  get keyIds(): string[] {
    return this.#data.fields.wrappedKeys.map((w) => w.keyArn);
  }
  /** True when the data cannot be written: opened with readOnly, or an encrypted stream. */
  get readOnly(): boolean {
    return this.#data.dataReadOnly;
  }
  get scratch(): boolean {
    return (this.#data.fields.flags & FLAG_SCRATCH) !== 0;
  }
  get closed(): boolean {
    return this.#closed;
  }

  // ---- data --------------------------------------------------------------------------------

  /** `length` bytes at `offset`. `key`: the SectorKey the sectors were written under (default
   *  the volume's own sector key). */
  read(offset: number | bigint, length: number | bigint, key?: SectorKey): Promise<Uint8Array> {
    return this.#exclusive('volume.read', (what) => this.#data.read(what, offset, length, this.#xtsOf(key, what)));
  }

  /** Writes `bytes` at `offset`; past the end, the volume grows (the gap reads as zeros).
   *  `key`: encrypt under this SectorKey instead of the volume's own sector key. */
  write(offset: number | bigint, bytes: Uint8Array, key?: SectorKey): Promise<void> {
    return this.#exclusive('volume.write', (what) => this.#data.write(what, offset, bytes, this.#xtsOf(key, what)));
  }

  /** Sets the size to `size` bytes: a shrink drops the bytes beyond it (the store is cut after
   *  the header records the smaller size); a growth adds zeros, recorded at the next flush. */
  truncate(size: number | bigint): Promise<void> {
    return this.#exclusive('volume.truncate', (what) => this.#data.truncate(what, size));
  }

  /** Makes every completed write durable: flushes the store, then records a grown size. */
  flush(): Promise<void> {
    return this.#exclusive('volume.flush', (what) => this.#data.flushAndRecordSize(what));
  }

  // The same four on the store's sync path (a SyncBlockStore whose `synchronous` is true), for
  // callers that cannot await, such as a SQLite VFS. Same rules, errors and header behaviour;
  // refused while an async call of this volume is in flight, or when the store has no sync path.

  readSync(offset: number | bigint, length: number | bigint, key?: SectorKey): Uint8Array {
    return this.#exclusiveSync('volume.readSync', (what) =>
      this.#data.read(what, offset, length, this.#xtsOf(key, what)),
    );
  }
  writeSync(offset: number | bigint, bytes: Uint8Array, key?: SectorKey): void {
    this.#exclusiveSync('volume.writeSync', (what) => this.#data.write(what, offset, bytes, this.#xtsOf(key, what)));
  }
  truncateSync(size: number | bigint): void {
    this.#exclusiveSync('volume.truncateSync', (what) => this.#data.truncate(what, size));
  }
  flushSync(): void {
    this.#exclusiveSync('volume.flushSync', (what) => this.#data.flushAndRecordSize(what));
  }

  /** An XTS key for part of the data, derived from the data key under `label` (1 to 256 UTF-8
   *  bytes; HKDF-SHA-256, so the same label gives the same key at every open, and distinct
   *  labels give independent keys, none of them the volume's own). Pass it to read, write,
   *  readSync or writeSync; which sectors use which key is the caller's to record. Disposed by
   *  key.dispose() or when the volume closes. No key-service call. */
  deriveSectorKey(label: string): SectorKey {
    const what = 'volume.deriveSectorKey';
    this.#checkOpen(what);
    const checked = checkSectorKeyLabel(label, what);
    return new SectorKey(this.#session, checked, this.#session.deriveSectorXts(checked));
  }

  /** Flushes the store and zeroes every key. The store stays open (it is the caller's). */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#inFlight += 1;
    const run = this.#queue.then(async () => {
      try {
        if (this.#closed) return;
        if (!this.#readOnly && !this.#header.lost)
          await runAsync(this.#store, this.#data.flushAndRecordSize('volume.close'));
      } finally {
        this.#inFlight -= 1;
        this.#closed = true;
        this.#session.close();
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  // ---- keys --------------------------------------------------------------------------------

  /** Moves the data key to another KMS key (ReEncrypt; no data is touched): afterwards the
   *  header holds only the new wrapped key. Grants of the replaced keys are retired. */
  async rewrap(options: ChangeKeyOptions): Promise<void> {
    const what = 'volume.rewrap';
    return this.#changeKeys(what, options, 'replace');
  }

  /** Wraps the same data key under one more KMS key (like a LUKS keyslot): the volume then
   *  opens with any one of them. */
  async addKey(options: ChangeKeyOptions): Promise<void> {
    return this.#changeKeys('volume.addKey', options, 'add');
  }

  /** Removes the wrapped key of `keyId` (ARN, key id, or an alias naming it). */
  async removeKey(keyId: string): Promise<void> {
    const what = 'volume.removeKey';
    if (typeof keyId !== 'string' || keyId.length === 0)
      throw new TypeError(`${what}: keyId must be a non-empty string`);
    return this.#queued(what, async () => {
      if (this.#readOnly) throw new ReadOnlyVolumeError(`${what}: the volume is read-only`);
      const index = await findRemovableKey(this.#kms, this.#data.fields.wrappedKeys, keyId, what);
      const removed = this.#data.fields.wrappedKeys[index]!;
      await this.#updateHeader(what, { wrappedKeys: this.#data.fields.wrappedKeys.filter((_, i) => i !== index) });
      await retireGrants(this.#kms, [removed]);
    });
  }

  /** Retires the volume's grants, deletes a scratch volume's key, wipes both header copies (the
   *  only place the wrapped keys were), truncates the store and closes the volume. */
  async destroy(options: DestroyOptions = {}): Promise<void> {
    const what = 'volume.destroy';
    const keyService = checkDestroyOptions(options, what);
    return this.#queued(what, async () => {
      if (this.#readOnly) throw new ReadOnlyVolumeError(`${what}: the volume is read-only`);
      // Key service first: if it refuses, nothing has been written and the volume still works.
      await retireGrants(this.#kms, this.#data.fields.wrappedKeys, true);
      if (this.scratch) await destroyScratchKey(this.#kms, this.#data.fields.wrappedKeys[0]!.keyArn, keyService);
      await this.#store.write(0, new Uint8Array(this.#data.fields.dataOffset));
      await this.#store.flush();
      await this.#store.truncate(0);
      await this.#store.flush();
      this.#closed = true;
      this.#session.close();
    });
  }

  // ---- internals ---------------------------------------------------------------------------

  /** The engine key of `key`, or undefined for the volume's own (checked with the arguments). */
  #xtsOf(key: SectorKey | undefined, what: string) {
    return key === undefined ? undefined : SectorKey.xtsFor(key, this.#session, what);
  }

  /** Runs `task` on the async path, after every earlier call of this volume. */
  #exclusive<T>(what: string, task: (what: string) => StoreTask<T>): Promise<T> {
    return this.#queued(what, () => runAsync(this.#store, task(what)));
  }

  /** Runs `task` on the sync path, now (volume-sync.ts says when it may not). */
  #exclusiveSync<T>(what: string, task: (what: string) => StoreTask<T>): T {
    this.#checkOpen(what);
    return runVolumeTaskSync(this.#store, what, this.#inFlight, task(what));
  }

  #queued<T>(what: string, call: () => Promise<T>): Promise<T> {
    this.#inFlight += 1;
    const run = this.#queue.then(async () => {
      try {
        this.#checkOpen(what);
        return await call();
      } finally {
        this.#inFlight -= 1; // before the caller resumes: it may go sync at once
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #checkOpen(what: string): void {
    if (this.#closed) {
      throw new VolumeClosedError(
        `${what}: the volume is closed${this.#header.lost ? " (a failed header update left the store's header unknown: reopen it)" : ''}`,
      );
    }
  }

  #updateHeader(what: string, change: HeaderChange): Promise<void> {
    return runAsync(this.#store, this.#data.updateHeader(what, change));
  }

  async #changeKeys(what: string, options: ChangeKeyOptions, mode: 'add' | 'replace'): Promise<void> {
    const request = checkChangeKeyOptions(options, this.#kms, what);
    return this.#queued(what, async () => {
      if (this.#readOnly) throw new ReadOnlyVolumeError(`${what}: the volume is read-only`);
      const current = this.#data.fields.wrappedKeys;
      const { entry, wrappedKeys } = await planKeyChange(
        request,
        mode,
        { policy: this.#policy, fields: this.#data.fields, sealed: this.#data.sealed, session: this.#session },
        what,
      );
      try {
        await this.#updateHeader(what, { wrappedKeys });
      } catch (e) {
        // Not applied: the new grant goes. Unknown (header lost): it stays, it may be in use.
        if (entry.grantId !== undefined && !this.#header.lost)
          await retireVolumeGrant(request.kms, entry.keyArn, entry.grantId).catch(() => undefined);
        throw e;
      }
      if (mode === 'replace')
        await retireGrants(
          this.#kms,
          current.filter((w) => w.keyArn !== entry.keyArn),
        );
    });
  }
}
