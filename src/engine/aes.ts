// Raw AES block encryption (ECB over whole blocks): for known-answer tests and interop, not
// for storing data — equal blocks give equal ciphertext. Use Xts for data at rest.

import { output, usable } from './checks.js';
import { bytes } from '../utils/bytes.js';
import type { Core } from './core.js';

export class Aes {
  private readonly slot: number;
  private disposed = false;

  /** @internal — use engine.aes(key). */
  constructor(
    private readonly core: Core,
    key: unknown,
  ) {
    const k = bytes(key, 'aes: key');
    if (k.length !== 16 && k.length !== 32) {
      throw new RangeError(`aes: key must be 16 bytes (AES-128) or 32 bytes (AES-256), got ${k.length}`);
    }
    this.slot = core.aesKey(k);
  }

  encryptBlocks(data: Uint8Array, out?: Uint8Array): Uint8Array {
    return this.blocks(data, out, true);
  }

  decryptBlocks(data: Uint8Array, out?: Uint8Array): Uint8Array {
    return this.blocks(data, out, false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.core.releaseKey(this.slot);
  }

  private blocks(data: unknown, out: unknown, encrypt: boolean): Uint8Array {
    const what = encrypt ? 'aes.encryptBlocks' : 'aes.decryptBlocks';
    usable(this.disposed, what);
    const d = bytes(data, `${what}: data`);
    if (d.length % 16 !== 0) throw new RangeError(`${what}: data must be whole 16-byte blocks, got ${d.length} bytes`);
    const o = output(out, d, what);
    const core = this.core;
    const flag = encrypt ? 1 : 0;
    core.throughWindow((window) =>
      window.pass(d, core.ioBytes, (io, n) => core.wasm.aesBlocks(this.slot, io, n / 16, flag), o),
    );
    return o;
  }
}
