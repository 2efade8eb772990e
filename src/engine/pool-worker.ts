// The worker side of createPool (src/engine/pool.ts): one engine instance per worker thread,
// keyed XTS objects by handle, every job run synchronously in arrival order.
//
// Loaded by URL, never imported by the library's entry point: as a Node worker_threads worker,
// or as a module Web Worker in Deno and browsers. Node's `node:worker_threads` is imported
// dynamically, with a specifier a bundler cannot see, and only when running in Node (Deno is
// checked first: it defines a global `process` too).
//
// Protocol (messages are plain objects):
//   worker → main  {op: 'hello'}                         the message handler is installed
//   main → worker  {op: 'init', simd}                    → {op: 'ready', simd} or {op: 'fail', error}
//   main → worker  {op: 'key', h, key, sectorSize, tweakUnit}       key: a transferred copy; zeroed here
//   main → worker  {op: 'run', id, h, encrypt, first, input, output?}
//                                                        → {id, data?, spare?} or {id, error}
//   main → worker  {op: 'dispose', id, h}                → {id}
// `run` writes into `output` when given (a view on a SharedArrayBuffer), else in place into
// `input` when `input` is a transferred buffer of this call's own (sent back as `data`), else
// (input shared, output not) into a new array sent back as `data`. An input that was not
// written to is sent back as `spare` so the pool can reuse its buffer.

import { createEngine, type Engine } from './engine.js';
import type { Xts } from './xts.js';

interface Port {
  post(message: unknown, transfer?: Transferable[]): void;
}

interface ErrorInfo {
  name: string;
  message: string;
}

const g = globalThis as any;
let engine: Engine | undefined;
const keys = new Map<number, Xts | ErrorInfo>();

function info(err: unknown): ErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

function shared(buffer: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
}

async function handle(port: Port, msg: any): Promise<void> {
  switch (msg?.op) {
    case 'init': {
      try {
        engine = await createEngine({ simd: msg.simd });
        port.post({ op: 'ready', simd: engine.simd });
      } catch (err) {
        port.post({ op: 'fail', error: info(err) });
      }
      return;
    }
    case 'key': {
      const key = msg.key as Uint8Array;
      try {
        keys.set(msg.h, engine!.xts(key, { sectorSize: msg.sectorSize, tweakUnit: msg.tweakUnit }));
      } catch (err) {
        keys.set(msg.h, info(err)); // reported by every run on this handle
      } finally {
        key.fill(0);
      }
      return;
    }
    case 'run': {
      const xts = keys.get(msg.h);
      const input = msg.input as Uint8Array;
      const output = msg.output as Uint8Array | undefined;
      try {
        if (xts === undefined) throw new Error('pool worker: unknown key handle');
        if (!(xts instanceof Object && 'encrypt' in xts)) throw Object.assign(new Error(xts.message), { name: xts.name });
        const ownInput = !shared(input.buffer);
        const target = output ?? (ownInput ? input : undefined);
        const result = msg.encrypt ? xts.encrypt(input, msg.first, target) : xts.decrypt(input, msg.first, target);
        if (output) {
          port.post(ownInput ? { id: msg.id, spare: input } : { id: msg.id }, ownInput ? [input.buffer] : []);
        } else {
          port.post({ id: msg.id, data: result }, [result.buffer]);
        }
      } catch (err) {
        port.post({ id: msg.id, error: info(err) });
      }
      return;
    }
    case 'dispose': {
      const xts = keys.get(msg.h);
      keys.delete(msg.h);
      if (xts && 'dispose' in xts) xts.dispose();
      port.post({ id: msg.id });
      return;
    }
  }
}

if (typeof g.Deno === 'undefined' && typeof g.process !== 'undefined' && g.process.versions?.node) {
  const specifier = 'node:worker_threads'; // not a literal import: bundlers leave it alone
  const { parentPort } = await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
  const port: Port = { post: (m, t) => parentPort.postMessage(m, t) };
  // Handled one at a time: `init` is the only message that awaits, and the pool sends nothing
  // else before it has the `ready` reply.
  parentPort.on('message', (m: unknown) => void handle(port, m));
  port.post({ op: 'hello' });
} else {
  const port: Port = { post: (m, t) => g.postMessage(m, t ?? []) };
  g.onmessage = (e: MessageEvent) => void handle(port, e.data);
  port.post({ op: 'hello' });
}
