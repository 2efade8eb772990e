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

/** Keeps the state in memory only, for a later LocalKms in the same process (without a keystore
 *  a LocalKms keeps its state to itself). Holds its own copy, so later changes to the caller's
 *  object (or to the returned one) cannot reach what was saved: plain objects, arrays and key
 *  material (copied as bytes, never a string) are copied; deeply frozen objects — LocalKms's
 *  grant records — cannot change, so they are shared rather than copied (structuredClone of
 *  every grant per save made a change cost 6 ms at 2,000 grants). A save still takes as many
 *  steps as the state has entries. The copy a save replaces is zeroed. */
export class MemoryKeystore implements Keystore {
  private saved: unknown;

  async load(): Promise<unknown | undefined> {
    return this.saved === undefined ? undefined : copyState(this.saved);
  }

  async save(state: unknown): Promise<void> {
    const copy = copyState(state);
    wipeBytesIn(this.saved);
    this.saved = copy;
  }

  /** Keeps what was saved: like a file, the store outlives the LocalKms that closed it, and a
   *  new LocalKms over it sees the same keys. */
  async close(): Promise<void> {}
}

/** A copy of a JSON-like tree with byte arrays: deeply frozen objects are shared. Anything else
 *  (a Map, a Date, a function) is refused, as a file store would refuse it. */
function copyState(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw new TypeError(`MemoryKeystore: a state holds only JSON data and byte arrays, not a ${typeof value}`);
    }
    return value;
  }
  if (value instanceof Uint8Array) return value.slice();
  if (Array.isArray(value)) return value.map(copyState);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new TypeError(`MemoryKeystore: a state holds only JSON data and byte arrays, not ${String(value)}`);
  }
  if (isDeeplyFrozen(value)) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = copyState((value as Record<string, unknown>)[k]);
    // An own "__proto__" key stays a key (assignment would set the prototype instead).
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

/** Frozen, and so is everything it holds (a frozen object can hold no byte array with bytes). */
function isDeeplyFrozen(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object' && !isDeeplyFrozen(v)) return false;
  }
  return true;
}

/** Zeroes every Uint8Array in a plain object tree (the store's own copies of key material);
 *  deeply frozen parts hold none. */
function wipeBytesIn(value: unknown): void {
  if (value instanceof Uint8Array) value.fill(0);
  else if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) wipeBytesIn(v);
  }
}
