// A BlockStore wrapper that injects one fault, like a disk answering EIO once: the Nth write or
// the Nth flush (counted separately, from 1) throws. A failing write may first put part of its
// bytes on the store (a torn write): `tear` says how many leading bytes land (0 = none). Every
// other call goes through unchanged, so a test can then see what a retry, a close or a reopen
// does. It has the sync path (SyncBlockStore) whenever its inner store does, with the same
// faults counted over both paths. Portable (Node, Deno, Chromium).

export class FaultyBlockStore {
  /** @param {import('../../dist/index.js').BlockStore} inner */
  constructor(inner) {
    this.inner = inner;
    this.writes = 0;
    this.flushes = 0;
    /** @type {{ on: 'write' | 'flush', n: number, tear: number } | undefined} */
    this.fault = undefined;
    this.faulted = false;
  }

  /** Arms one fault at the `n`th write or flush from now. */
  arm(on, n, tear = 0) {
    this.writes = 0;
    this.flushes = 0;
    this.fault = { on, n, tear };
    this.faulted = false;
  }

  /** The armed fault if this call is the one it hits (it is then used up), else undefined. */
  #hit(on, count) {
    const f = this.fault;
    if (f === undefined || f.on !== on || f.n !== count) return undefined;
    this.fault = undefined;
    this.faulted = true;
    return f;
  }

  /** Counts a write; if it is the faulty one, the bytes that still land and the error. */
  #writeFault(offset, bytes) {
    this.writes += 1;
    const f = this.#hit('write', this.writes);
    if (f === undefined) return undefined;
    const tear = Math.min(f.tear, bytes.length);
    const error = Object.assign(
      new Error(
        `EIO: injected fault at write ${this.writes} (offset ${offset}, ${bytes.length} bytes${tear > 0 ? `, first ${tear} written` : ''})`,
      ),
      { code: 'EIO' },
    );
    return { torn: tear > 0 ? bytes.slice(0, tear) : undefined, error };
  }

  /** Counts a flush; the error if it is the faulty one. */
  #flushFault() {
    this.flushes += 1;
    if (this.#hit('flush', this.flushes) === undefined) return undefined;
    return Object.assign(new Error(`EIO: injected fault at flush ${this.flushes}`), { code: 'EIO' });
  }

  size() {
    return this.inner.size();
  }
  read(offset, length) {
    return this.inner.read(offset, length);
  }
  close() {
    return this.inner.close();
  }
  truncate(size) {
    return this.inner.truncate(size);
  }
  async write(offset, bytes) {
    const f = this.#writeFault(offset, bytes);
    if (f === undefined) return this.inner.write(offset, bytes);
    if (f.torn !== undefined) await this.inner.write(offset, f.torn);
    throw f.error;
  }
  async flush() {
    const error = this.#flushFault();
    if (error !== undefined) throw error;
    return this.inner.flush();
  }

  get synchronous() {
    return this.inner.synchronous === true;
  }
  sizeSync() {
    return this.inner.sizeSync();
  }
  readSync(offset, length) {
    return this.inner.readSync(offset, length);
  }
  truncateSync(size) {
    return this.inner.truncateSync(size);
  }
  writeSync(offset, bytes) {
    const f = this.#writeFault(offset, bytes);
    if (f === undefined) return this.inner.writeSync(offset, bytes);
    if (f.torn !== undefined) this.inner.writeSync(offset, f.torn);
    throw f.error;
  }
  flushSync() {
    const error = this.#flushFault();
    if (error !== undefined) throw error;
    return this.inner.flushSync();
  }
}
