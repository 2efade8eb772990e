// createEngine: one wasm instance, chosen build, synchronous operations afterwards; XTS on the
// wasm or, where the runtime has it, on node:crypto's OpenSSL (the `backend` option).

import { Aes } from './aes.js';
import { Core } from './core.js';
import { instantiate, simdAvailable } from './wasm.js';
import { Xts, type XtsBackend, type XtsOptions } from './xts.js';
import { loadNativeXts, nativeXtsNow, nativeXtsNowPossible, NativeXtsKey } from './xts-native.js';
import { Gcm } from './gcm.js';
import { KeyWrap } from './keywrap.js';
import { describe } from '../utils/bytes.js';
import { isNode } from '../runtime.js';

export interface EngineOptions {
  /** Omitted: the SIMD build where the runtime supports wasm SIMD, else the no-SIMD build.
   *  false: always the no-SIMD build. true: the SIMD build, or an error where unsupported. */
  simd?: boolean;
  /** What runs XTS (AES, GCM and key wrap always run on the wasm):
   *  'wasm': the bitsliced wasm kernel, in every runtime.
   *  'native': node:crypto's aes-256-xts / aes-128-xts (OpenSSL, AES-NI where the CPU has it),
   *  or an error where the runtime has none (browsers; Deno, whose node:crypto lacks XTS).
   *  'auto' (the default): native for sectors of 2 KiB and more, and for calls of 2 KiB and
   *  more, where native is available and the CPU is known to have AES instructions (Linux
   *  /proc/cpuinfo, macOS), wasm otherwise (NATIVE_FROM_BYTES and NATIVE_CALL_FROM_BYTES in
   *  xts.ts have the measurements). */
  backend?: XtsBackend;
}

export interface Engine {
  /** Whether the SIMD build (bitsliced on v128) runs, rather than the 64-bit fallback. */
  readonly simd: boolean;
  /** What runs XTS: 'native', 'auto', or 'wasm' (also what 'auto' is where native is not
   *  available). Each Xts says which backend its calls take (`xts.backend`). */
  readonly backend: XtsBackend;
  /** The instance's memory, for diagnostics (e.g. checking that dispose() wiped a key). */
  readonly memory: WebAssembly.Memory;
  xts(key: Uint8Array, options?: XtsOptions): Xts;
  aes(key: Uint8Array): Aes;
  /** AES-GCM with a 16-, 24- or 32-byte key: seal / open with a 16-byte tag. */
  gcm(key: Uint8Array): Gcm;
  /** AES key wrap with a 16-, 24- or 32-byte KEK: RFC 3394 (wrap/unwrap), RFC 5649 (wrapPad/unwrapPad). */
  keyWrap(kek: Uint8Array): KeyWrap;
}

const BACKENDS: readonly XtsBackend[] = ['wasm', 'native', 'auto'];

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const wanted = options?.simd;
  if (wanted !== undefined && typeof wanted !== 'boolean') {
    throw new TypeError(`createEngine: simd must be a boolean or omitted, got ${typeof wanted}`);
  }
  const asked = options?.backend;
  if (asked !== undefined && typeof asked !== 'string') {
    throw new TypeError(`createEngine: backend must be 'wasm', 'native' or 'auto', got ${describe(asked)}`);
  }
  if (asked !== undefined && !BACKENDS.includes(asked)) {
    throw new RangeError(`createEngine: backend must be 'wasm', 'native' or 'auto', got '${asked}'`);
  }
  const available = simdAvailable();
  if (wanted === true && !available) {
    throw new Error('createEngine: this runtime does not support WebAssembly SIMD; omit simd or pass simd: false');
  }
  const simd = wanted ?? available;
  const core = new Core(await instantiate(simd));
  // 'native' is looked up now. 'auto' in Node waits, where it can look up synchronously, until
  // the first engine.xts() (or engine.backend), so engines that never run XTS never load
  // node:crypto; on Node before 20.16 it looks up now. Deno (no XTS in its node:crypto) and
  // browsers: 'auto' is the wasm without a look-up.
  if (asked === 'native' || (asked !== 'wasm' && isNode() && !nativeXtsNowPossible())) {
    const native = await loadNativeXts();
    if (asked === 'native' && native === undefined) {
      throw new Error(
        "createEngine: backend 'native' needs node:crypto with aes-256-xts and aes-128-xts (Node); this runtime has none — use 'auto' or 'wasm'",
      );
    }
  }
  let backend: XtsBackend | undefined = asked === 'wasm' ? 'wasm' : undefined;
  /** 'auto' takes node:crypto only where the CPU's AES instructions make it constant time. */
  const backendNow = (): XtsBackend => {
    if (backend === undefined) {
      const native = nativeXtsNow();
      backend = native === undefined || (asked !== 'native' && !native.hardwareAes) ? 'wasm' : (asked ?? 'auto');
    }
    return backend;
  };
  const makeNative = (key: Uint8Array) => new NativeXtsKey(nativeXtsNow()!.crypto, key, core);
  return {
    simd,
    get backend() {
      return backendNow();
    },
    memory: core.wasm.memory,
    xts: (key, xtsOptions) => {
      const b = backendNow();
      return new Xts(core, key, xtsOptions, b, b === 'wasm' ? undefined : makeNative);
    },
    aes: (key) => new Aes(core, key),
    gcm: (key) => new Gcm(core, key),
    keyWrap: (kek) => new KeyWrap(core, kek),
  };
}
