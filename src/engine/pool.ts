// createPool: XTS over large multi-sector buffers on several threads — worker_threads in Node,
// module Web Workers in Deno and browsers — with the same results as the engine's own Xts.
//
// Each worker runs its own engine instance (src/engine/pool-worker.ts); pool-spawn.ts starts the
// workers, pool-protocol.ts types the messages, pool-xts.ts is one key's object (argument
// checks, calls in flight, dispose); this file schedules the work. A call is cut at sector
// boundaries into pieces of up to 2 MiB, smaller towards the end (the last piece may end with
// the partial sector; XTS sectors are independent, so any cut at a sector boundary gives the
// same bytes). Pieces are handed out in order to whichever worker has room (at most two queued
// per worker, so a worker never waits for the calling thread, and a worker that gets less CPU
// on a busy machine simply gets fewer pieces).
//
// Moving the bytes: a piece of an ordinary ArrayBuffer is copied into a buffer of the pool's
// own, which is *transferred* to the worker (no copy), encrypted there in place, transferred
// back and copied into `out`. That is two memcpy passes on the calling thread (~0.2 ms per MiB,
// against ~5 ms per MiB of AES) and they overlap the workers' work. The transfer buffers are
// reused (fresh allocations cost page faults that showed up as ~50 ms per 64 MiB) and zeroed
// whenever a call ends. When `data` and/or `out` are views on a SharedArrayBuffer, workers read
// and write them directly instead (never required: browsers only have it cross-origin isolated).
// Plain postMessage copies of the caller's buffer would clone its whole ArrayBuffer per piece.
//
// Batches (BatchXts.batch, for envelope/bulk-xts.ts; not exported by the package): a stream keeps
// a few calls of ~1 MiB in flight, so splitting each call across workers would only multiply
// messages. A batch is ONE piece on the least busy worker; its input is copied into a transfer
// buffer before batch() returns (the caller may reuse its array at once), the worker encrypts it
// in place, and the buffer comes back as the result, resolved as is: on the calling thread one
// copy into a warm buffer. Whoever ends up with the result may hand it back when done with it
// (recycleBatchResult: the CLI does once the bytes are in the file); it is zeroed and becomes a
// transfer buffer again, so a long stream allocates nothing per batch. Fresh memory costs ~1 ms
// per MiB in page faults and zeroing, as much as a third of the AES, and garbage results held
// the CLI's peak RSS at ~310 MB on a 1 GiB file (measured for issue 14). A result never handed
// back is ordinary garbage.
//
// Inputs below `inThreadBelow` bytes (default 1 MiB) run in the calling thread on the pool's
// own engine: each piece sent to a worker costs a round trip of ~0.2–0.3 ms (posting, waking a
// thread, two copies) against ~4 ms of AES per MiB, and on the 2-core machine this was measured
// on (bench: 32 KiB–2 MiB, pool vs engine) two workers only beat one thread from about 1–2 MiB
// on. `workers: 0`, and runtimes where no worker can be started, run everything in the calling
// thread.

import { createEngine, type Engine } from './engine.js';
import { toError, type JobReply } from './pool-protocol.js';
import { cpuCount, startWorkers, type PoolWorker } from './pool-spawn.js';
import type { Xts, XtsBackend, XtsOptions } from './xts.js';
import { isSharedBuffer } from '../runtime.js';
import { PoolXtsImpl, type PoolCalls } from './pool-xts.js';

export interface PoolOptions {
  /** Worker threads to start: an integer 0–64. Omitted: the number of logical CPUs
   *  (navigator.hardwareConcurrency, os.availableParallelism() in Node), at most 8.
   *  0 runs everything in the calling thread. */
  workers?: number;
  /** As createEngine's options, for the calling thread's engine and every worker's. */
  simd?: boolean;
  backend?: XtsBackend;
  /** Where the worker module is, if not next to this module (`./pool-worker.js` beside
   *  `import.meta.url`): for bundles that do not emit it there. Any URL the platform's Worker
   *  accepts (Node: a file: URL or path). */
  workerUrl?: string | URL;
  /** Inputs shorter than this many bytes run in the calling thread (where a round trip to a
   *  worker costs more than it saves). Default 1048576 (1 MiB); 0 sends everything to workers. */
  inThreadBelow?: number;
}

export interface Pool {
  /** Worker threads running; 0 means every call runs in the calling thread (workers: 0, or no
   *  worker could be started here). */
  readonly workers: number;
  /** Whether the SIMD build runs. */
  readonly simd: boolean;
  /** What runs XTS in the calling thread and every worker (as engine.backend). */
  readonly backend: XtsBackend;
  /** Like engine.xts: the same key and sectorSize rules and errors (rejections here). Every
   *  worker receives its own copy of the key once, and zeroes it after expanding it. */
  xts(key: Uint8Array, options?: XtsOptions): Promise<PoolXts>;
  /** Disposes every XTS object of the pool (after their calls in flight) and stops the
   *  workers. Later calls reject. */
  close(): Promise<void>;
}

/** A PoolXts of createPool's that also runs batches (see the file header). */
export interface BatchXts extends PoolXts {
  /** As encrypt/decrypt without `out`, as ONE job on one worker; `data` is copied before this
   *  returns (it may be reused at once); resolves with a new array. */
  batch(encrypt: boolean, data: Uint8Array, firstSector: number | bigint): Promise<Uint8Array>;
}

/** Whether `x` runs batches (a PoolXts of createPool's; a wrapper of one may not). */
export function hasBatches(x: PoolXts): x is BatchXts {
  return typeof (x as Partial<BatchXts>).batch === 'function';
}

export interface PoolXts {
  readonly sectorSize: number;
  /** As Xts.encrypt, resolved with `out` or a new array. Every check runs before any work is
   *  handed out. Do not modify `data` or `out` until the promise settles. */
  encrypt(data: Uint8Array, firstSector?: number | bigint, out?: Uint8Array): Promise<Uint8Array>;
  decrypt(data: Uint8Array, firstSector?: number | bigint, out?: Uint8Array): Promise<Uint8Array>;
  /** Waits for this object's calls in flight, then zeroes its key schedules in every worker and
   *  in the calling thread. Later calls reject. */
  dispose(): Promise<void>;
}

const DEFAULT_IN_THREAD_BELOW = 1024 * 1024;
const MAX_WORKERS = 64;
export const DEFAULT_MAX_WORKERS = 8;
/** Largest piece handed to a worker (rounded down to whole sectors, at least one sector). */
const PIECE_BYTES = 2 * 1024 * 1024;
/** Smallest piece worth a message (a round trip costs ~0.2–0.3 ms; 128 KiB is ~0.5 ms of AES). */
const MIN_PIECE_BYTES = 128 * 1024;
/** Pieces queued per worker: one running, one waiting. */
const QUEUE_DEPTH = 2;

interface Job {
  call: Call;
  start: number;
  end: number;
  worker: PoolWorker;
}

interface Call {
  handle: number;
  encrypt: boolean;
  data: Uint8Array;
  out: Uint8Array;
  first: bigint;
  sectorSize: number;
  next: number;
  outstanding: number;
  failed: boolean;
  /** A batch: one job, its result the worker's own new array (becomes `out` on reply). */
  fresh: boolean;
  resolve(v: Uint8Array): void;
  reject(e: Error): void;
}

// ------------------------------------------------------------------ the pool

/** Batch results out on loan: their buffer → the pool whose transfer buffer it was. */
const lent = new WeakMap<ArrayBufferLike, PoolImpl>();

/** Hands a batch result (BatchXts.batch's) back to its pool once the caller is done with it: the
 *  buffer is zeroed (it held plaintext or ciphertext) and reused for a later batch. Anything
 *  else, or a result handed back twice, is left alone. The caller must not touch `bytes` after
 *  this. */
export function recycleBatchResult(bytes: Uint8Array): void {
  const pool = lent.get(bytes.buffer);
  if (pool === undefined) return;
  lent.delete(bytes.buffer);
  new Uint8Array(bytes.buffer).fill(0);
  pool.recycle(bytes.buffer as ArrayBuffer);
}

class PoolImpl implements Pool, PoolCalls {
  workers = 0;
  simd: boolean;
  backend: XtsBackend;
  private readonly poolWorkers: PoolWorker[] = [];
  private readonly calls: Call[] = [];
  private readonly jobs = new Map<number, Job>();
  private readonly acks = new Map<number, { resolve(): void; count: number }>();
  private readonly handles = new Set<PoolXtsImpl>();
  private readonly spares: ArrayBuffer[] = [];
  private dirty = false;
  private nextId = 1;
  private nextHandle = 1;
  private closed = false;
  private failure: Error | null = null;

  constructor(
    readonly engine: Engine,
    readonly inThreadBelow: number,
  ) {
    this.simd = engine.simd;
    this.backend = engine.backend;
  }

  /** Starts `count` workers; on any failure stops them all and stays in-thread. */
  async start(count: number, url: string | URL | undefined): Promise<void> {
    const workers = await startWorkers(count, url, this.simd, this.backend, {
      reply: (w, m) => this.reply(w, m),
      failure: (err) => this.fail(err),
    });
    this.poolWorkers.push(...workers);
    this.workers = workers.length;
  }

  async xts(key: Uint8Array, options?: XtsOptions): Promise<PoolXts> {
    if (this.closed) throw new Error('pool.xts: this pool was closed; create a new one');
    // The calling thread's Xts checks key and options with the engine's own messages, and runs
    // the small calls.
    const local = this.engine.xts(key, options);
    const h = this.nextHandle++;
    if (this.workers > 0 && !this.failure) {
      for (const w of this.poolWorkers) {
        const copy = key.slice(); // transferred: after this the calling thread holds no copy
        w.thread.post({ op: 'key', h, key: copy, sectorSize: local.sectorSize, tweakUnit: local.tweakUnit }, [
          copy.buffer,
        ]);
      }
    }
    const x = new PoolXtsImpl(this, h, local);
    this.handles.add(x);
    return x;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.handles].map((x) => x.dispose()));
    const threads = this.poolWorkers.splice(0);
    await Promise.allSettled(threads.map((w) => w.thread.terminate()));
    this.releaseSpares();
    this.spares.length = 0;
  }

  /** @internal */ forget(x: PoolXtsImpl): void {
    this.handles.delete(x);
  }

  /** @internal — validated arguments in; resolves with `out`. */
  run(x: PoolXtsImpl, local: Xts, d: Uint8Array, first: bigint, o: Uint8Array, encrypt: boolean): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers === 0 || d.length < this.inThreadBelow) {
      return Promise.resolve(encrypt ? local.encrypt(d, first, o) : local.decrypt(d, first, o));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      this.calls.push({
        handle: x.handle,
        encrypt,
        data: d,
        out: o,
        first,
        sectorSize: x.sectorSize,
        next: 0,
        outstanding: 0,
        failed: false,
        fresh: false,
        resolve,
        reject,
      });
      this.pump();
    });
  }

  /** @internal — a validated batch: one job on the least busy worker (see the file header). */
  runBatch(x: PoolXtsImpl, local: Xts, d: Uint8Array, first: bigint, encrypt: boolean): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers === 0) return Promise.resolve(encrypt ? local.encrypt(d, first) : local.decrypt(d, first));
    let w = this.poolWorkers[0]!;
    for (const t of this.poolWorkers) if (t.queued < w.queued) w = t;
    return new Promise<Uint8Array>((resolve, reject) => {
      const call: Call = {
        handle: x.handle,
        encrypt,
        data: d,
        out: d, // replaced by the worker's array on reply
        first,
        sectorSize: x.sectorSize,
        next: d.length,
        outstanding: 1,
        failed: false,
        fresh: true,
        resolve,
        reject,
      };
      this.send(w, call, 0, d.length);
    });
  }

  /** @internal — tells every worker to drop handle `h`; resolves when all have. */
  disposeHandle(h: number): Promise<void> {
    if (this.workers === 0 || this.failure || this.poolWorkers.length === 0) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.acks.set(id, { resolve, count: this.poolWorkers.length });
      for (const w of this.poolWorkers) {
        this.busy(w, +1);
        w.thread.post({ op: 'dispose', id, h });
      }
    });
  }

  private busy(w: PoolWorker, delta: number): void {
    const before = w.queued;
    w.queued += delta;
    if (before === 0 && w.queued > 0) w.thread.busy(true);
    else if (before > 0 && w.queued === 0) w.thread.busy(false);
  }

  /** Hands out pieces, oldest call first, while some worker has room. */
  private pump(): void {
    for (;;) {
      while (this.calls.length && this.calls[0].next >= this.calls[0].data.length) this.calls.shift();
      const call = this.calls[0];
      if (!call) return;
      let w: PoolWorker | undefined;
      for (const t of this.poolWorkers) if (t.queued < QUEUE_DEPTH && (!w || t.queued < w.queued)) w = t;
      if (!w) return;
      // Pieces shrink as the call nears its end (a share of what is left, from 2 MiB down to
      // 64 KiB), so the workers finish together instead of one waiting on the other's last piece.
      const start = call.next;
      const left = call.data.length - start;
      const share = Math.min(PIECE_BYTES, Math.max(MIN_PIECE_BYTES, Math.ceil(left / (this.workers * QUEUE_DEPTH))));
      const end = Math.min(
        call.data.length,
        start + Math.max(1, Math.floor(share / call.sectorSize)) * call.sectorSize,
      );
      call.next = end;
      call.outstanding++;
      this.send(w, call, start, end);
    }
  }

  private send(w: PoolWorker, call: Call, start: number, end: number): void {
    const id = this.nextId++;
    const n = end - start;
    const transfer: Transferable[] = [];
    let input: Uint8Array;
    if (isSharedBuffer(call.data.buffer) && !call.fresh) {
      input = call.data.subarray(start, end); // the worker reads it in place (a batch's is copied)
    } else {
      // A batch's buffer becomes its result, which must be a whole array: exactly n bytes.
      input = new Uint8Array(call.fresh ? this.spareExactly(n) : this.spare(n), 0, n);
      input.set(call.data.subarray(start, end));
      transfer.push(input.buffer);
      this.dirty = true;
    }
    const output = !call.fresh && isSharedBuffer(call.out.buffer) ? call.out.subarray(start, end) : undefined;
    const sector = call.first + BigInt(start / call.sectorSize);
    this.jobs.set(id, { call, start, end, worker: w });
    this.busy(w, +1);
    const fresh = call.fresh || undefined;
    w.thread.post(
      { op: 'run', id, h: call.handle, encrypt: call.encrypt, first: sector, input, output, fresh },
      transfer,
    );
  }

  private reply(w: PoolWorker, m: JobReply): void {
    const id = m.id!;
    const ack = this.acks.get(id);
    if (ack) {
      this.busy(w, -1);
      if (--ack.count === 0) {
        this.acks.delete(id);
        ack.resolve();
      }
      // The ack freed room in this worker's queue: calls may be waiting for it (disposes fill
      // queues too), and no other reply may come to hand them out.
      this.pump();
      return;
    }
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    this.busy(w, -1);
    const call = job.call;
    if (m.error) {
      if (!call.failed) {
        call.failed = true;
        call.next = call.data.length; // hand out nothing more
        call.reject(toError(m.error));
      }
    } else if (m.data && call.fresh) {
      if (call.failed)
        m.data.fill(0); // never handed out: it holds a piece of the data
      else {
        call.out = m.data;
        if (!isSharedBuffer(m.data.buffer)) lent.set(m.data.buffer, this);
      }
    } else if (m.data && !call.failed) {
      call.out.set(m.data, job.start);
    }
    const back = call.fresh ? m.spare : (m.data ?? m.spare);
    if (back && back.buffer.byteLength >= MIN_PIECE_BYTES && !isSharedBuffer(back.buffer))
      this.keep(back.buffer as ArrayBuffer);
    call.outstanding--;
    if (call.outstanding === 0 && call.next >= call.data.length) {
      if (!call.failed) call.resolve(call.out);
      if (this.jobs.size === 0) this.releaseSpares();
    }
    this.pump();
  }

  /** A worker died or failed to answer: every call in flight and every later call rejects. */
  private fail(err: Error): void {
    if (this.closed || this.failure) return;
    this.failure = new Error(`pool: a worker failed; close this pool and create a new one (${err.message})`);
    for (const job of this.jobs.values()) {
      if (!job.call.failed) {
        job.call.failed = true;
        job.call.reject(this.failure);
      }
    }
    this.jobs.clear();
    for (const call of this.calls) if (!call.failed) call.reject(this.failure);
    this.calls.length = 0;
    for (const ack of this.acks.values()) ack.resolve();
    this.acks.clear();
    for (const w of this.poolWorkers) void w.thread.terminate();
  }

  private spare(n: number): ArrayBuffer {
    for (let i = this.spares.length - 1; i >= 0; i--) {
      if (this.spares[i].byteLength >= n) return this.spares.splice(i, 1)[0];
    }
    return new ArrayBuffer(Math.max(n, PIECE_BYTES));
  }

  /** @internal — a zeroed batch result back from recycleBatchResult. */
  recycle(buffer: ArrayBuffer): void {
    if (!this.closed && buffer.byteLength >= MIN_PIECE_BYTES) this.keep(buffer);
  }

  private spareExactly(n: number): ArrayBuffer {
    for (let i = this.spares.length - 1; i >= 0; i--) {
      if (this.spares[i].byteLength === n) return this.spares.splice(i, 1)[0];
    }
    return new ArrayBuffer(n);
  }

  private keep(buffer: ArrayBuffer): void {
    if (this.spares.length < this.poolWorkers.length * QUEUE_DEPTH + 2) this.spares.push(buffer);
  }

  /** Zeroes the idle transfer buffers: they held pieces of plaintext or ciphertext. */
  private releaseSpares(): void {
    if (!this.dirty) return;
    for (const b of this.spares) new Uint8Array(b).fill(0);
    this.dirty = false;
  }
}

// ------------------------------------------------------------------ createPool

export async function createPool(options: PoolOptions = {}): Promise<Pool> {
  const o = options ?? {};
  if (typeof o !== 'object') throw new TypeError(`createPool: options must be an object, got ${typeof o}`);
  let count = o.workers;
  if (count !== undefined) {
    if (typeof count !== 'number') throw new TypeError(`createPool: workers must be a number, got ${typeof count}`);
    if (!Number.isInteger(count) || count < 0 || count > MAX_WORKERS) {
      throw new RangeError(`createPool: workers must be an integer from 0 to ${MAX_WORKERS}, got ${count}`);
    }
  }
  const below = o.inThreadBelow ?? DEFAULT_IN_THREAD_BELOW;
  if (typeof below !== 'number' || !Number.isInteger(below) || below < 0) {
    throw new RangeError(`createPool: inThreadBelow must be a whole number of bytes ≥ 0, got ${String(below)}`);
  }
  const url = o.workerUrl;
  if (url !== undefined && typeof url !== 'string' && !(url instanceof URL)) {
    throw new TypeError('createPool: workerUrl must be a string or a URL');
  }
  const engine = await createEngine({ simd: o.simd, backend: o.backend });
  if (count === undefined) count = Math.min(DEFAULT_MAX_WORKERS, await cpuCount());
  const pool = new PoolImpl(engine, below);
  await pool.start(count, url);
  return pool;
}
