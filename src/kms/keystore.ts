// Where LocalKms keeps its state between runs. LocalKms loads once, lazily, before its first
// call, and saves the whole state after every change; a store that fails to save makes the call
// fail and leaves LocalKms's memory at the last saved state.
//
// The state is a JSON-compatible object holding key material (base64): a store that writes it
// anywhere must seal it (the file and IndexedDB stores do, under a root key or passphrase).

export interface Keystore {
  /** The last saved state, or undefined if nothing was ever saved. */
  load(): Promise<unknown | undefined>;
  /** Replaces the saved state; resolves once it is durable. */
  save(state: unknown): Promise<void>;
  /** Releases the store (locks, handles). */
  close(): Promise<void>;
}

/** Keeps the state in memory only: the default. Holds a deep copy, so later changes to the
 *  caller's object (or to the returned one) cannot reach what was saved. */
export class MemoryKeystore implements Keystore {
  private saved: string | undefined;

  async load(): Promise<unknown | undefined> {
    return this.saved === undefined ? undefined : JSON.parse(this.saved);
  }

  async save(state: unknown): Promise<void> {
    this.saved = JSON.stringify(state);
  }

  async close(): Promise<void> {}
}
