// PlaintextDataKey: the one owner of an unwrapped data key's bytes (the AWS Encryption SDK's
// material object is the model). The unwrap creates it; code reads the bytes only through
// use(); zero() wipes them once, and every later use() throws instead of handing out zeros.
// Whoever holds it zeroes it (DataKeySession.create does, whatever happens), so no call site
// has to remember a `fill(0)` of its own.

export class PlaintextDataKey {
  #bytes: Uint8Array | undefined;

  /** Takes ownership of `bytes`: the caller must not keep or zero them itself. */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  /** Lends the key bytes to `fn` for the length of the call; `fn` must not keep them. */
  use<T>(fn: (bytes: Uint8Array) => T): T {
    if (this.#bytes === undefined) throw new Error('data key: used after it was zeroed');
    return fn(this.#bytes);
  }

  /** Zeroes the key bytes; a second call does nothing. */
  zero(): void {
    this.#bytes?.fill(0);
    this.#bytes = undefined;
  }
}
