// createEngine: one wasm instance, chosen build, synchronous operations afterwards.

import { Aes } from './aes.js';
import { Core } from './core.js';
import { instantiate, simdAvailable } from './wasm.js';
import { Xts, type XtsOptions } from './xts.js';
import { Gcm } from './gcm.js';
import { KeyWrap } from './keywrap.js';

export interface EngineOptions {
  /** Omitted: the SIMD build where the runtime supports wasm SIMD, else the no-SIMD build.
   *  false: always the no-SIMD build. true: the SIMD build, or an error where unsupported. */
  simd?: boolean;
}

export interface Engine {
  /** Whether the SIMD build (bitsliced on v128) runs, rather than the 64-bit fallback. */
  readonly simd: boolean;
  /** The instance's memory, for diagnostics (e.g. checking that dispose() wiped a key). */
  readonly memory: WebAssembly.Memory;
  xts(key: Uint8Array, options?: XtsOptions): Xts;
  aes(key: Uint8Array): Aes;
  /** AES-GCM with a 16-, 24- or 32-byte key: seal / open with a 16-byte tag. */
  gcm(key: Uint8Array): Gcm;
  /** AES key wrap with a 16-, 24- or 32-byte KEK: RFC 3394 (wrap/unwrap), RFC 5649 (wrapPad/unwrapPad). */
  keyWrap(kek: Uint8Array): KeyWrap;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const wanted = options?.simd;
  if (wanted !== undefined && typeof wanted !== 'boolean') {
    throw new TypeError(`createEngine: simd must be a boolean or omitted, got ${typeof wanted}`);
  }
  const available = simdAvailable();
  if (wanted === true && !available) {
    throw new Error('createEngine: this runtime does not support WebAssembly SIMD; omit simd or pass simd: false');
  }
  const simd = wanted ?? available;
  const core = new Core(await instantiate(simd));
  return {
    simd,
    memory: core.wasm.memory,
    xts: (key, xtsOptions) => new Xts(core, key, xtsOptions),
    aes: (key) => new Aes(core, key),
    gcm: (key) => new Gcm(core, key),
    keyWrap: (kek) => new KeyWrap(core, kek),
  };
}
