// Starting createPool's workers (pool.ts schedules work onto them): worker_threads in Node,
// module Web Workers in Deno and browsers, behind one small `Thread` interface, and the start-up
// handshake of pool-protocol.ts (hello → init → ready). A pool either starts every worker it
// asked for or none: on any start-up failure the started ones are stopped and the pool runs
// in the calling thread.

import { toError, type FromWorker, type JobReply, type ToWorker } from './pool-protocol.js';
import { isNode, nodeImport } from '../runtime.js';
import type { XtsBackend } from './xts.js';

const g = globalThis as any;

/** A running worker as the pool sees it, whatever the runtime's Worker API. */
export interface Thread {
  post(message: ToWorker, transfer?: Transferable[]): void;
  /** Node: keep the process alive only while work is queued on this worker. */
  busy(on: boolean): void;
  terminate(): Promise<void>;
}

/** One of the pool's workers: its thread and how many messages it has not answered yet. */
export class PoolWorker {
  queued = 0;
  thread!: Thread;
  constructor(readonly index: number) {}
}

type Events = { message(m: FromWorker): void; failure(err: Error): void };

// The worker's URL is written `../engine/pool-worker.js`, not `./pool-worker.js`: it resolves
// the same from build/tsc/engine/ (tsc's tree), from dist/chunks/ (the shared chunk that holds
// this code in the published bundle) and from any other folder one level under the package's
// output, so the code may move between chunks without its worker moving. scripts/build.mjs
// fails the build if this module lands in a file at another depth.
async function spawn(url: string | URL | undefined, on: Events): Promise<Thread> {
  if (isNode()) {
    const { Worker } = await nodeImport('worker_threads');
    // Node takes a string as a path: a string that is a file: or data: URL becomes a URL.
    const where = typeof url === 'string' && /^(file|data):/i.test(url) ? new URL(url) : url;
    const w =
      where === undefined ? new Worker(new URL('../engine/pool-worker.js', import.meta.url)) : new Worker(where);
    w.on('message', (m: FromWorker) => on.message(m));
    w.on('error', (err: Error) => on.failure(err));
    w.on('exit', (code: number) => on.failure(new Error(`pool: a worker exited (code ${code})`)));
    return {
      post: (m, t) => w.postMessage(m, t),
      busy: (b) => (b ? w.ref() : w.unref()),
      terminate: async () => void (await w.terminate()),
    };
  }
  if (typeof g.Worker !== 'function') throw new Error('pool: this runtime has no Worker');
  // The literal `new Worker(new URL('../engine/pool-worker.js', import.meta.url), …)` is the form that
  // bundlers which handle workers (Vite, webpack 5) recognise and emit.
  const w: Worker =
    url === undefined
      ? new Worker(new URL('../engine/pool-worker.js', import.meta.url), { type: 'module' })
      : new Worker(url, { type: 'module' });
  w.onmessage = (e) => on.message(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    on.failure(new Error(`pool: a worker failed: ${e.message || 'the worker script did not load'}`));
  };
  w.onmessageerror = () => on.failure(new Error('pool: a worker message could not be read'));
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    busy: () => {},
    terminate: async () => w.terminate(),
  };
}

/** What a started worker's later messages go to: job replies, and failures after start-up. */
export interface WorkerEvents {
  reply(worker: PoolWorker, m: JobReply): void;
  failure(err: Error): void;
}

/** Starts `count` workers running the `simd` build with XTS on `backend`; resolves with all of
 *  them, or with none (after stopping those that started) when any fails to start. */
export async function startWorkers(
  count: number,
  url: string | URL | undefined,
  simd: boolean,
  backend: XtsBackend,
  events: WorkerEvents,
): Promise<PoolWorker[]> {
  if (count === 0) return [];
  let failStart: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => (failStart = reject));
  const ready: Promise<void>[] = [];
  const workers: PoolWorker[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const w = new PoolWorker(i);
      workers.push(w);
      let signalReady!: () => void;
      ready.push(new Promise<void>((r) => (signalReady = r)));
      let started = false;
      // A worker's first messages can arrive before `spawn` has returned its thread (Deno
      // delivers them that early), so the start-up replies go through the promise.
      const spawning: Promise<Thread> = spawn(url, {
        message: (m) => {
          if (m.op === 'hello') void spawning.then((t) => t.post({ op: 'init', simd, backend }));
          else if (m.op === 'ready') {
            if (m.simd !== simd || m.backend !== backend)
              failStart(new Error('pool: a worker chose another engine build'));
            started = true;
            void spawning.then((t) => {
              t.busy(false);
              signalReady();
            });
          } else if (m.op === 'fail') failStart(toError(m.error));
          else events.reply(w, m);
        },
        failure: (err) => (started ? events.failure(err) : failStart(err)),
      });
      w.thread = await spawning;
    }
    await Promise.race([Promise.all(ready), failed]);
    return workers;
  } catch {
    await Promise.allSettled(workers.filter((w) => w.thread).map((w) => w.thread.terminate()));
    return [];
  } finally {
    failed.catch(() => {});
  }
}

/** Logical CPUs: navigator.hardwareConcurrency, else os.availableParallelism() in Node, else 1. */
export async function cpuCount(): Promise<number> {
  const n = g.navigator?.hardwareConcurrency;
  if (typeof n === 'number' && n > 0) return n;
  if (isNode()) {
    try {
      const os = await nodeImport('os');
      return os.availableParallelism?.() ?? os.cpus().length;
    } catch {
      /* fall through */
    }
  }
  return 1;
}
