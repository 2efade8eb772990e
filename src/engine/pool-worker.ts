// The worker side of createPool (src/engine/pool.ts): one engine instance per worker thread,
// keyed XTS objects by handle, every job run synchronously in arrival order.
//
// Loaded by URL, never imported by the library's entry point: as a Node worker_threads worker,
// or as a module Web Worker in Deno and browsers. Node's `node:worker_threads` is imported
// dynamically, with a specifier a bundler cannot see, and only when running in Node (Deno is
// checked first: it defines a global `process` too).
//
// The messages are typed in pool-protocol.ts.

import { createEngine, type Engine } from './engine.js';
import { errorInfo, type ErrorInfo, type FromWorker, type ToWorker } from './pool-protocol.js';
import type { Xts } from './xts.js';
import { isNode, isSharedBuffer, nodeImport } from '../runtime.js';

interface Port {
  post(message: FromWorker, transfer?: Transferable[]): void;
}

const g = globalThis as any;
let engine: Engine | undefined;
const keys = new Map<number, Xts | ErrorInfo>();

async function handle(port: Port, msg: ToWorker): Promise<void> {
  switch (msg?.op) {
    case 'init': {
      try {
        engine = await createEngine({ simd: msg.simd, backend: msg.backend });
        port.post({ op: 'ready', simd: engine.simd, backend: engine.backend });
      } catch (err) {
        port.post({ op: 'fail', error: errorInfo(err) });
      }
      return;
    }
    case 'key': {
      const key = msg.key;
      try {
        keys.set(msg.h, engine!.xts(key, { sectorSize: msg.sectorSize, tweakUnit: msg.tweakUnit }));
      } catch (err) {
        keys.set(msg.h, errorInfo(err)); // reported by every run on this handle
      } finally {
        key.fill(0);
      }
      return;
    }
    case 'run': {
      const xts = keys.get(msg.h);
      const input = msg.input;
      const output = msg.output;
      try {
        if (xts === undefined) throw new Error('pool worker: unknown key handle');
        if (!(xts instanceof Object && 'encrypt' in xts))
          throw Object.assign(new Error(xts.message), { name: xts.name });
        const ownInput = !isSharedBuffer(input.buffer);
        if (msg.fresh && ownInput) {
          // A batch: in place in the transferred buffer, which goes back as the result (the
          // caller keeps it, or hands it back to the pool: recycleBatchResult in pool.ts).
          if (msg.encrypt) xts.encrypt(input, msg.first, input);
          else xts.decrypt(input, msg.first, input);
          port.post({ id: msg.id, data: input }, [input.buffer]);
          return;
        }
        if (msg.fresh) {
          // A batch on a shared input (never sent by pool.ts today): a new array of its own.
          const r = msg.encrypt ? xts.encrypt(input, msg.first) : xts.decrypt(input, msg.first);
          port.post({ id: msg.id, data: r }, [r.buffer]);
          return;
        }
        const target = output ?? (ownInput ? input : undefined);
        const result = msg.encrypt ? xts.encrypt(input, msg.first, target) : xts.decrypt(input, msg.first, target);
        if (output) {
          port.post(ownInput ? { id: msg.id, spare: input } : { id: msg.id }, ownInput ? [input.buffer] : []);
        } else {
          port.post({ id: msg.id, data: result }, [result.buffer]);
        }
      } catch (err) {
        port.post({ id: msg.id, error: errorInfo(err) });
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

if (isNode()) {
  const { parentPort } = await nodeImport('worker_threads');
  const port: Port = { post: (m, t) => parentPort.postMessage(m, t) };
  // Handled one at a time: `init` is the only message that awaits, and the pool sends nothing
  // else before it has the `ready` reply.
  parentPort.on('message', (m: ToWorker) => void handle(port, m));
  port.post({ op: 'hello' });
} else {
  const port: Port = { post: (m, t) => g.postMessage(m, t ?? []) };
  g.onmessage = (e: MessageEvent) => void handle(port, e.data);
  port.post({ op: 'hello' });
}
