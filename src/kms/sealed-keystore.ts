// The part every persistent KMS state store shares: sealing the state on save, opening it on
// load, deriving the key once per open, and writing in call order. A subclass supplies only
// where the sealed bytes live (a file, an IndexedDB record) and how its lock is released.

import type { Keystore } from './keystore.js';
import { StateSealer, checkSecret, wipeSecret, type KeystoreSecret, type SealOptions } from './sealed-state.js';

export abstract class SealedKeystore implements Keystore {
  private secret: KeystoreSecret | undefined;
  private sealer: StateSealer | undefined;
  /** Saves run one after another in call order, so the last save() called is the last write. */
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  protected constructor(
    secret: KeystoreSecret,
    private readonly options: SealOptions,
    what: string,
  ) {
    this.secret = checkSecret(secret, what);
  }

  /** Where the sealed bytes are read from; undefined when nothing was saved yet. */
  protected abstract readSealed(): Promise<Uint8Array | undefined>;
  /** Replaces the sealed bytes atomically: afterwards either the old or the new bytes are there. */
  protected abstract writeSealed(sealed: Uint8Array): Promise<void>;
  /** Releases the lock and handles the subclass holds. Called once, by close() or a failed open. */
  protected abstract release(): Promise<void>;

  /** For the subclass's open(): reads what is stored, derives the key (scrypt runs here, once)
   *  and checks it and the state, so a wrong secret or a damaged keystore fails at open, not at
   *  the first operation. On failure releases the store (its lock) and rethrows. */
  protected async initialize(): Promise<void> {
    try {
      const sealed = await this.readSealed();
      if (sealed === undefined) {
        this.sealer = await StateSealer.create(this.secret!, this.options);
      } else {
        this.sealer = await StateSealer.forSealed(sealed, this.secret!);
        this.sealer.open(sealed);
      }
    } catch (err) {
      await this.close().catch(() => {});
      throw err;
    }
  }

  /** The stored state, or undefined when none was saved yet. */
  async load(): Promise<unknown | undefined> {
    const sealer = this.openSealer('load');
    const sealed = await this.readSealed();
    if (sealed === undefined) return undefined;
    if (sealer.matches(sealed)) return sealer.open(sealed);
    // Another writer re-created the keystore (new salt): derive its key, keep using that one.
    const next = await StateSealer.forSealed(sealed, this.secret!);
    const state = next.open(sealed);
    sealer.dispose();
    this.sealer = next;
    return state;
  }

  /** Seals `state` now (later changes to the object are not saved) and writes it after every
   *  earlier save. Resolves when it is durably written. */
  save(state: unknown): Promise<void> {
    let sealed: Uint8Array;
    try {
      sealed = this.openSealer('save').seal(state);
    } catch (err) {
      return Promise.reject(err); // a closed store or a non-JSON state: rejected, like a failed write
    }
    const write = this.writes.then(() => this.writeSealed(sealed));
    this.writes = write.catch(() => {}); // a failed save is reported to its caller, not to the next
    return write;
  }

  /** Waits for pending saves, zeroes the key, releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes;
    this.sealer?.dispose();
    this.sealer = undefined;
    wipeSecret(this.secret);
    this.secret = undefined;
    await this.release();
  }

  private openSealer(what: string): StateSealer {
    if (this.closed) throw new Error(`${this.constructor.name}.${what}: the store is closed`);
    if (!this.sealer)
      throw new Error(`${this.constructor.name}.${what}: the store was not opened (use its static open())`);
    return this.sealer;
  }
}
