// BulkXts: the XTS calls of one stream, in order, on the shared worker pool (Node only, see
// shared-pool.ts) once the stream is large enough to gain from it, on the calling thread
// before that (and always with workers: 0).
//
// Why lazily: starting the pool costs a few tens of ms (threads, a wasm instance each), more
// than a small stream takes in all. So the first POOL_AFTER_BYTES of a stream run on the
// calling thread while the pool starts in the background; the first batch after it is ready
// goes to it. The pool's Xts needs the XTS key, so the session hands BulkXts a copy of it, and
// BulkXts zeroes that copy as soon as the pool has taken it (pool.xts transfers its own copies
// to the workers) or when the stream ends — whichever comes first.
//
// The event loop: a stream whose source and sink are in memory runs entirely in microtasks
// (each chunk's promise resolves the next), so the worker messages that start the pool — and
// that deliver its results — would wait until the stream ended: a 256 MiB stream from a buffer
// ran all on the calling thread. So while the pool is starting, each calling-thread batch ends
// by yielding to the event loop once (setImmediate in Node, where the shared pool has workers:
// tens of µs against ~3 ms of AES per batch).
//
// Batch size: the pool's cost per job (messages, the worker's new result array) is about
// 1 ms whatever its size on the 2-core machine this was measured on (issue 14: CPU time per MiB
// over all threads was 4.1 ms in 1 MiB jobs, 3.5 ms in 2–4 MiB jobs, 2.9 ms for the engine
// alone), while streams arrive in chunks of any size (1 MiB from the CLI's reads). So batches
// for the pool are gathered into a staging array of POOL_BATCH_BYTES (one copy into warm memory)
// and sent when it is full, when the sectors stop being consecutive, or at a drain.
//
// Ordering and overlap: each batch becomes a promise in a FIFO; up to IN_FLIGHT_EXTRA more
// batches than the pool has workers run at once (so every worker has its next batch waiting
// while the calling thread reads the next chunk and writes the previous one), and results leave
// in submission order. Same bytes either way: XTS sectors are independent, and the pool runs the engine's own code on every piece.
// Memory: at most workers + IN_FLIGHT_EXTRA batches and the staging array (~16–20 MiB on 2
// cores), whatever the stream's length.

import { hasBatches, type Pool, type PoolXts } from '../engine/pool.js';
/** A chunk a stream emitted, handed back once its reader is done with it (the CLI, after the
 *  bytes are in the file): a pool batch's buffer is zeroed and reused; anything else is left. */
export { recycleBatchResult } from '../engine/pool.js';
import { sharedPool } from '../engine/shared-pool.js';
import type { Xts } from '../engine/xts.js';

/** Bytes a stream runs on the calling thread before it uses the pool. */
export const POOL_AFTER_BYTES = 4 * 1024 * 1024;
/** Bytes gathered into one pool batch (rounded down to whole sectors, at least one sector). */
export const POOL_BATCH_BYTES = 4 * 1024 * 1024;
/** Batches in flight on the pool at once, beyond one per worker: one more queued behind each
 *  worker's, plus one the calling thread is emitting. */
const IN_FLIGHT_EXTRA = 2;

type Emit = (bytes: Uint8Array) => void;
type After = (b: Uint8Array) => Uint8Array;
const same: After = (b) => b;

const g = globalThis as { setImmediate?: (callback: () => void) => unknown };
/** Resolves after the event loop has run once (macrotasks, such as worker messages, included). */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => (g.setImmediate ? g.setImmediate(resolve) : setTimeout(resolve, 0)));

export class BulkXts {
  #local: Xts;
  #key: Uint8Array | undefined;
  #pool: PoolXts | undefined;
  #starting: Promise<void> | undefined;
  #startSettled = false;
  #seen = 0;
  #queue: { result: Promise<Uint8Array>; after: After }[] = [];
  /** How many batches may be in flight: the pool's workers + IN_FLIGHT_EXTRA. */
  #inFlight = 1 + IN_FLIGHT_EXTRA;
  /** Sectors gathered for the next pool batch: staging[0, staged), from sector stagedFirst. */
  #staging: Uint8Array | undefined;
  #staged = 0;
  #stagedFirst = 0;
  #stagedEncrypt = true;

  /** `key`: a copy of the XTS key this object owns and zeroes, or undefined (no pool). */
  constructor(
    local: Xts,
    key: Uint8Array | undefined,
    private readonly startPool: () => Promise<Pool> = sharedPool,
  ) {
    this.#local = local;
    this.#key = key;
  }

  /** Runs one batch (whole sectors, or the last partial sector as the engine allows); the
   *  result goes to `emit` after every earlier batch's, passed through `after` (e.g. a cut to
   *  the plaintext length). Resolves when the queue has room again. `data` is read before this
   *  returns (on the calling thread, copied into the staging array, or copied by the pool):
   *  the caller may reuse it then. */
  async push(encrypt: boolean, data: Uint8Array, first: number, emit: Emit, after: After = same): Promise<void> {
    this.#seen += data.length;
    if (this.#key !== undefined && this.#starting === undefined && this.#seen > POOL_AFTER_BYTES) this.#start();
    const pool = this.#pool;
    if (pool === undefined) {
      // Calling thread: earlier pool batches (none before the pool is ready) go first.
      await this.drain(emit);
      const out = encrypt ? this.#local.encrypt(data, first) : this.#local.decrypt(data, first);
      emit(after(out));
      if (this.#starting !== undefined && !this.#startSettled) await yieldToEventLoop();
      return;
    }
    const sectorSize = this.#local.sectorSize;
    const capacity = Math.max(sectorSize, POOL_BATCH_BYTES - (POOL_BATCH_BYTES % sectorSize));
    const consecutive =
      this.#staged > 0 &&
      encrypt === this.#stagedEncrypt &&
      first === this.#stagedFirst + this.#staged / sectorSize &&
      this.#staged + data.length <= capacity;
    if (this.#staged > 0 && !consecutive) await this.#sendStaged(pool, emit);
    const whole = data.length % sectorSize === 0;
    if (after !== same || data.length >= capacity || !hasBatches(pool)) {
      // Alone: a cut result, a batch as large as the staging array, or a pool without batches.
      await this.#send(pool, encrypt, data, first, emit, after);
      return;
    }
    if (this.#staging === undefined) this.#staging = new Uint8Array(capacity);
    if (this.#staged === 0) {
      this.#stagedFirst = first;
      this.#stagedEncrypt = encrypt;
    }
    this.#staging.set(data, this.#staged);
    this.#staged += data.length;
    // A partial last sector ends the data: nothing can follow it in this batch.
    if (this.#staged === capacity || !whole) await this.#sendStaged(pool, emit);
  }

  /** Sends what is staged, then emits every batch still in flight, in order. */
  async drain(emit: Emit): Promise<void> {
    if (this.#staged > 0 && this.#pool !== undefined) await this.#sendStaged(this.#pool, emit);
    while (this.#queue.length > 0) await this.#emitOldest(emit);
  }

  /** Zeroes the key copy and the staging array, and releases the pool's Xts (after its calls
   *  in flight). */
  close(): void {
    this.#key?.fill(0);
    this.#key = undefined;
    this.#staging?.fill(0);
    this.#staging = undefined;
    this.#staged = 0;
    const pool = this.#pool;
    this.#pool = undefined;
    void pool?.dispose().catch(() => undefined);
    for (const q of this.#queue) q.result.catch(() => undefined);
    this.#queue = [];
  }

  async #sendStaged(pool: PoolXts, emit: Emit): Promise<void> {
    const n = this.#staged;
    this.#staged = 0;
    // batch() copies the staged bytes before it returns, so the staging array is free again.
    await this.#send(pool, this.#stagedEncrypt, this.#staging!.subarray(0, n), this.#stagedFirst, emit, same);
  }

  /** Queues one pool call, then waits until fewer than #inFlight are in flight. */
  async #send(pool: PoolXts, encrypt: boolean, data: Uint8Array, first: number, emit: Emit, after: After) {
    const result = hasBatches(pool)
      ? pool.batch(encrypt, data, first)
      : encrypt
        ? pool.encrypt(data.slice(), first)
        : pool.decrypt(data.slice(), first);
    result.catch(() => undefined); // awaited in order below; not an unhandled rejection meanwhile
    this.#queue.push({ result, after });
    while (this.#queue.length >= this.#inFlight) await this.#emitOldest(emit);
  }

  async #emitOldest(emit: Emit): Promise<void> {
    const q = this.#queue.shift()!;
    emit(q.after(await q.result));
  }

  #start(): void {
    this.#starting = this.startPool()
      .then(async (pool) => {
        const key = this.#key;
        if (key === undefined || pool.workers === 0) return; // closed meanwhile, or no threads here
        try {
          const x = await pool.xts(key, { sectorSize: this.#local.sectorSize, tweakUnit: this.#local.tweakUnit });
          if (this.#key === undefined)
            void x.dispose().catch(() => undefined); // closed while it started
          else {
            this.#pool = x;
            this.#inFlight = pool.workers + IN_FLIGHT_EXTRA;
          }
        } finally {
          key.fill(0);
          if (this.#key === key) this.#key = undefined;
        }
      })
      .catch(() => {
        // No pool (no threads in this runtime, or a start failure): stay on the calling thread.
      })
      .finally(() => {
        this.#startSettled = true;
      });
  }
}
