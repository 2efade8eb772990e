// Where LocalKms keeps its state between runs. LocalKms loads once, lazily, before its first
// call, and saves the whole state after every change; a store that fails to save makes the call
// fail and leaves LocalKms's memory at the last saved state.
//
// The state is a JSON-compatible object except for its key material, which is Uint8Arrays: a
// store that writes it anywhere must seal it (the file and IndexedDB stores do, under a root key
// or passphrase, with the material as base64 in the sealed JSON). load() may return the material
// as those base64 strings or as Uint8Arrays; LocalKms accepts both.

export interface Keystore {
  /** The last saved state, or undefined if nothing was ever saved. */
  load(): Promise<unknown | undefined>;
  /** Replaces the saved state; resolves once it is durable. */
  save(state: unknown): Promise<void>;
  /** Releases the store (locks, handles). */
  close(): Promise<void>;
}

/** Keeps the state in memory only: the default. Holds a deep copy (structuredClone, so key
 *  material stays bytes and never becomes a string), so later changes to the caller's object (or
 *  to the returned one) cannot reach what was saved; the copy a save replaces is zeroed. */
export class MemoryKeystore implements Keystore {
  private saved: unknown;

  async load(): Promise<unknown | undefined> {
    return this.saved === undefined ? undefined : structuredClone(this.saved);
  }

  async save(state: unknown): Promise<void> {
    const copy = structuredClone(state);
    wipeBytesIn(this.saved);
    this.saved = copy;
  }

  /** Keeps what was saved: like a file, the store outlives the LocalKms that closed it, and a
   *  new LocalKms over it sees the same keys. */
  async close(): Promise<void> {}
}

/** Zeroes every Uint8Array in a plain object tree (the store's own copies of key material). */
function wipeBytesIn(value: unknown): void {
  if (value instanceof Uint8Array) value.fill(0);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) wipeBytesIn(v);
}
