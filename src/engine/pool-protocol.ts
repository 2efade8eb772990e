// The messages between createPool (pool.ts, pool-spawn.ts) and its workers (pool-worker.ts),
// typed once for both sides. Messages are plain objects (structured clone); byte arrays are
// transferred where the sender says so.

import type { XtsBackend } from './xts.js';
//
//   worker → main  {op: 'hello'}                         the message handler is installed
//   main → worker  {op: 'init', simd, backend}           → {op: 'ready', simd, backend} or {op: 'fail', error}
//   main → worker  {op: 'key', h, key, sectorSize, tweakUnit}  key: a transferred copy; zeroed there
//   main → worker  {op: 'run', id, h, encrypt, first, input, output?, fresh?}
//                                                        → {id, data?, spare?} or {id, error}
//   main → worker  {op: 'dispose', id, h}                → {id}
//
// `run` writes into `output` when given (a view on a SharedArrayBuffer), else in place into
// `input` when `input` is a transferred buffer of this call's own (sent back as `data`), else
// (input shared, output not) into a new array sent back as `data`. With `fresh` (a pool batch,
// whose result the caller keeps) it writes in place into `input` (always a transferred buffer of
// the pool's) and sends it back as `data`: the result, which the caller may hand back to the
// pool for reuse once done with it (recycleBatchResult). An input that was not written to is
// sent back as `spare` so the pool can reuse its buffer.

/** An error as it crosses the thread boundary (Error objects lose their class in a clone). */
export interface ErrorInfo {
  name: string;
  message: string;
}

export type ToWorker =
  | { op: 'init'; simd: boolean; backend: XtsBackend }
  | { op: 'key'; h: number; key: Uint8Array; sectorSize: number; tweakUnit: number }
  | {
      op: 'run';
      id: number;
      h: number;
      encrypt: boolean;
      first: bigint;
      input: Uint8Array;
      output?: Uint8Array;
      fresh?: boolean;
    }
  | { op: 'dispose'; id: number; h: number };

/** The start-up replies carry an `op`; the replies to `run` and `dispose` carry the request's id. */
export type FromWorker =
  { op: 'hello' } | { op: 'ready'; simd: boolean; backend: XtsBackend } | { op: 'fail'; error: ErrorInfo } | JobReply;

export interface JobReply {
  op?: undefined;
  id: number;
  data?: Uint8Array;
  spare?: Uint8Array;
  error?: ErrorInfo;
}

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The error a worker reported, as the class the caller would have seen in-thread. */
export function toError(e: ErrorInfo): Error {
  const Ctor = e.name === 'TypeError' ? TypeError : e.name === 'RangeError' ? RangeError : Error;
  return new Ctor(e.message);
}
