// XTS through node:crypto's `aes-256-xts` / `aes-128-xts` (OpenSSL), the engine's `native`
// backend: where the CPU has AES instructions (x86 AES-NI, ARMv8 crypto extensions), OpenSSL
// runs XTS with them, which is constant time in hardware (no tables, no key- or data-dependent
// branches or addresses) and several times the speed of the bitsliced wasm at large sectors.
// Without them OpenSSL falls back to software AES that is not constant time everywhere (its
// bitsliced XTS does the first tweak and the stealing block with table AES), so `auto` only
// takes node:crypto where hardwareAes() confirms the instructions. Xts (xts.ts) does every
// argument check before it calls here, so both backends give the same errors and write nothing
// on bad input.
//
// Loading: node:crypto is looked up only in Node or Deno — with process.getBuiltinModule, when
// an XTS object first needs it, or else through runtime.ts's nodeImport in createEngine — so
// browser bundles never contain or resolve it. Deno's node:crypto (2.x) has no XTS cipher: the
// probe (hasXts) makes an explicit `native` an error there, and `auto` runs the wasm without a
// look-up (engine.ts).
//
// Key hygiene — what node:crypto keeps, and where:
// - We keep one copy of the key in a Uint8Array of our own, zeroed by dispose().
// - No KeyObject is made: createSecretKey copies the key into memory JavaScript cannot wipe.
//   Every createCipheriv reads our copy; OpenSSL expands it into the cipher context's key
//   schedule (and any copy Node makes while initialising is freed with OPENSSL_clear_free).
//   Calling final() frees that context, and OpenSSL cleanses a freed XTS context, so no key
//   schedule outlives the sector it encrypted.
// - update() returns a new buffer; on decryption it holds plaintext, and is zeroed once copied
//   to `out`.
//
// Cost: node:crypto cannot re-key the tweak of an open XTS context, so the XTS cipher costs one
// createCipheriv per sector, about 3 µs in Node 20 on the development machine (against ~1 µs
// of AES-NI for 4 KiB): a cipher looked up by name, a context, a new output buffer. So runs of
// two or more whole sectors of up to 8 KiB take another road, with the same bytes: XTS is
// C = E_K1(P ⊕ T) ⊕ T block by block, with T = E_K2(tweak value) · α^j for block j of a sector
// (IEEE 1619). An `aes-256-ecb` (`aes-128-ecb`) context under K2 encrypts every sector's tweak
// value of the call in one update(); the wasm's xtsMaskSectors (assembly/xts.ts: SIMD shifts
// and masks, no branch) applies the α-doublings and XORs in its I/O window; an ECB context
// under K1 encrypts (or decrypts) the window's sectors in one update(); the wasm masks again.
// Measured for issue 14 (4 KiB sectors, decrypt, one thread): 1 MiB calls 1.45–1.7 GB/s against
// 1.06 for the per-sector cipher, 2 sectors per call 1.39 against 1.04 (the tweaks XORed in
// JavaScript instead gave ~1.1 GB/s). Nothing depends on a key, tweak or data byte but the
// values themselves: constant time as the AES-NI and the SIMD it runs on. The partial last
// sector (ciphertext stealing) and larger sectors go through the XTS cipher. The three ECB
// contexts (K2, K1 encrypting, K1 decrypting) are made on first use and kept by the key object
// — ECB without padding carries nothing between update() calls of whole blocks — until
// dispose(), whose final() frees them (OpenSSL cleanses freed cipher contexts), so their key
// schedules live as long as our copy of the key does; the tweak values pass through buffers of
// ours zeroed before the call returns, the masked blocks through the wasm's window, which the
// engine zeroes after every call, and update()'s output is zeroed once copied.

import type { Core } from './core.js';
import { isDeno, isNode, nodeImport } from '../runtime.js';

/** The part of node:crypto this file uses. */
interface NodeCipher {
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  setAutoPadding(pad: boolean): unknown;
}
interface NodeCrypto {
  createCipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array | null): NodeCipher;
  createDecipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array | null): NodeCipher;
}

/** node:crypto, and whether this CPU has AES instructions (what `auto` requires). */
export interface NativeXts {
  crypto: NodeCrypto;
  hardwareAes: boolean;
}

/** The lookup's answer once made (undefined: no native XTS here), per process. */
let found: { value: NativeXts | undefined } | undefined;

type GetBuiltin = (name: string) => any;

/** process.getBuiltinModule (Node ≥ 20.16): node:* modules synchronously, so the lookup can
 *  wait until an XTS object first needs it instead of costing every createEngine() the ~5 ms
 *  of loading node:crypto. Undefined outside Node and on older Node 20. */
function builtinGetter(): GetBuiltin | undefined {
  const get = (globalThis as any).process?.getBuiltinModule;
  return isNode() && typeof get === 'function'
    ? (name: string) => get.call((globalThis as any).process, name)
    : undefined;
}

/** Whether nativeXtsNow() can answer (synchronously) in this runtime. */
export function nativeXtsNowPossible(): boolean {
  return found !== undefined || builtinGetter() !== undefined;
}

/** The lookup, synchronously: made once per process where nativeXtsNowPossible(); elsewhere
 *  the answer loadNativeXts() gave, or undefined when it has not run (nothing is cached then). */
export function nativeXtsNow(): NativeXts | undefined {
  if (found === undefined) {
    const get = builtinGetter();
    if (get === undefined) return undefined;
    found = {
      value: probe(
        () => get('node:crypto'),
        () => get('node:fs'),
      ),
    };
  }
  return found.value;
}

/** node:crypto where it exists and has both XTS ciphers, else undefined (browsers; Deno 2.x;
 *  a Node built without them; a context where dynamic import is refused, e.g. the IIFE bundle
 *  evaluated by vm). Made once per process. */
export async function loadNativeXts(): Promise<NativeXts | undefined> {
  if (found !== undefined || builtinGetter() !== undefined) return nativeXtsNow();
  let value: NativeXts | undefined;
  if (isNode() || isDeno()) {
    try {
      const [crypto, fs] = await Promise.all([nodeImport('crypto'), nodeImport('fs')]);
      value = probe(
        () => crypto,
        () => fs,
      );
    } catch {
      value = undefined;
    }
  }
  found ??= { value };
  return found.value;
}

function probe(crypto: () => NodeCrypto, fs: () => any): NativeXts | undefined {
  try {
    const c = crypto();
    return hasXts(c) ? { crypto: c, hardwareAes: hardwareAes(fs) } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether both XTS ciphers run: one 16-byte unit each under a fixed test key (halves differ).
 *  Cheaper than listing getCiphers(); Deno's node:crypto throws "Unknown cipher" here. */
function hasXts(crypto: NodeCrypto): boolean {
  try {
    for (const bytes of [32, 64]) {
      const key = new Uint8Array(bytes).map((_, i) => i);
      const c = crypto.createCipheriv(bytes === 64 ? 'aes-256-xts' : 'aes-128-xts', key, new Uint8Array(16));
      if (c.update(new Uint8Array(16)).length + c.final().length !== 16) return false;
      // The ECB road of NativeXtsKey.sectors needs the matching ECB cipher too.
      const e = crypto.createCipheriv(bytes === 64 ? 'aes-256-ecb' : 'aes-128-ecb', key.subarray(0, bytes / 2), null);
      e.setAutoPadding(false);
      if (e.update(new Uint8Array(16)).length + e.final().length !== 16) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Whether the CPU has AES instructions, where that can be known: Linux says so in
 *  /proc/cpuinfo; every Mac that runs a current Node has them (Apple silicon; Intel since 2010).
 *  Elsewhere (Windows, BSDs, unreadable cpuinfo) unknown, taken as no: `auto` then stays on the
 *  wasm, and `native` must be asked for. */
function hardwareAes(fs: () => any): boolean {
  const platform = (globalThis as any).process?.platform;
  if (platform === 'darwin') return true;
  if (platform !== 'linux') return false;
  try {
    // Synchronous: about 1.5 ms, where a first asynchronous read would start libuv's thread pool.
    return cpuinfoHasAes(fs().readFileSync('/proc/cpuinfo', 'latin1'));
  } catch {
    return false;
  }
}

/** Whether /proc/cpuinfo text lists the AES feature on its first CPU: `flags : … aes …` (x86)
 *  or `Features : … aes …` (ARM). Exported for its test. */
export function cpuinfoHasAes(text: string): boolean {
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text);
  return line !== null && line[1]!.split(/\s+/).includes('aes');
}

/** Calls with at least this many whole sectors of at most ECB_MAX_SECTOR_BYTES take the ECB
 *  road (file header); a single sector costs two update() calls there, more than one XTS
 *  context. */
const ECB_FROM_SECTORS = 2;
/** Sectors larger than this take the XTS cipher whatever their number: there one context per
 *  sector is amortised over enough AES, and OpenSSL's XTS outruns the road's copies and masks.
 *  Measured for issue 14 (decrypt, node:crypto, one thread, MB/s, XTS cipher / ECB road, 2
 *  sectors per call and 1 MiB calls): 2048 B 534 / 797 and 589 / 1479–1721; 4096 B 1037 / 1394
 *  and 1060 / 1451–1715; 8192 B 1612 / 1646 and 1733 / 1578–2080; 16384 B 2588 / 1970 and 2203
 *  / 2045–2322; 65536 B 3765 / 1695 and 3226 / 1618–2090. */
const ECB_MAX_SECTOR_BYTES = 8192;
/** One XTS key in node:crypto's hands: checked by Xts before it gets here (32 or 64 bytes,
 *  halves differ, which OpenSSL also demands: "xts duplicated keys"). */
export class NativeXtsKey {
  private readonly key: Uint8Array;
  private readonly algorithm: string;
  /** The 16-byte IV buffer: the tweak, rewritten for every sector. */
  private readonly iv = new Uint8Array(16);
  private readonly ivView = new DataView(this.iv.buffer);
  /** The ECB road's contexts, made on first use and kept until wipe(): K2 encrypting tweak
   *  values, K1 encrypting, K1 decrypting. ECB without padding carries nothing from one
   *  update() to the next when every input is whole blocks (all of ours are), so one context
   *  serves every call and a call sets none up (~3 µs each in Node). */
  private ecbTweak: NodeCipher | undefined;
  private ecbEncrypt: NodeCipher | undefined;
  private ecbDecrypt: NodeCipher | undefined;

  constructor(
    private readonly crypto: NodeCrypto,
    key: Uint8Array,
    /** The engine's wasm instance: its xtsMaskSectors applies the tweaks on the ECB road. */
    private readonly core: Core,
  ) {
    // A copy, never a view: a Buffer's slice() shares memory, and wipe() must not zero the
    // caller's key.
    this.key = new Uint8Array(key);
    this.algorithm = key.length === 64 ? 'aes-256-xts' : 'aes-128-xts';
  }

  /** An ECB context without padding under one key half (0: K1, 1: K2). */
  private ecbContext(half: 0 | 1, encrypt: boolean): NodeCipher {
    const n = this.key.length / 2;
    const ecb = n === 32 ? 'aes-256-ecb' : 'aes-128-ecb';
    const k = this.key.subarray(half * n, (half + 1) * n);
    const c = encrypt ? this.crypto.createCipheriv(ecb, k, null) : this.crypto.createDecipheriv(ecb, k, null);
    c.setAutoPadding(false);
    return c;
  }

  /** Frees the ECB contexts (final() frees OpenSSL's context, which cleanses its key schedule). */
  private dropEcb(): void {
    for (const c of [this.ecbTweak, this.ecbEncrypt, this.ecbDecrypt]) {
      try {
        c?.final();
      } catch {
        // A context that cannot finish is freed when collected; nothing of ours is in it.
      }
    }
    this.ecbTweak = this.ecbEncrypt = this.ecbDecrypt = undefined;
  }

  /** Sectors of `size` bytes from d into o (o may be d), sector i with tweak value
   *  (first + i) · step as a 128-bit little-endian integer; the last may be partial (≥ 16 bytes,
   *  ciphertext stealing, which OpenSSL does itself). Arguments are already checked. */
  sectors(d: Uint8Array, o: Uint8Array, first: bigint, size: number, step: number, encrypt: boolean): void {
    const whole = Math.floor(d.length / size);
    let offset = 0;
    if (whole >= ECB_FROM_SECTORS && size <= ECB_MAX_SECTOR_BYTES) {
      offset = whole * size;
      this.ecbSectors(d.subarray(0, offset), o, first, size, step, encrypt);
      if (offset === d.length) return;
    }
    // Tweak values stay below 2^64 (checked by sectorCall), so the high half of the IV stays 0.
    this.ivView.setBigUint64(8, 0n, true);
    const advance = BigInt(step);
    let tweak = (first + BigInt(offset / size)) * advance;
    for (; offset < d.length; offset += size) {
      this.ivView.setBigUint64(0, tweak, true);
      tweak += advance;
      this.run(d.subarray(offset, Math.min(offset + size, d.length)), o, offset, encrypt);
    }
    this.iv.fill(0);
  }

  /** One data unit with an explicit 16-byte tweak. Arguments are already checked. */
  unit(d: Uint8Array, tweak: Uint8Array, o: Uint8Array, encrypt: boolean): void {
    this.iv.set(tweak);
    this.run(d, o, 0, encrypt);
    this.iv.fill(0);
  }

  /** Whole sectors through ECB (see the file header): d.length is a multiple of size, which is
   *  a multiple of 16; o may be d. */
  private ecbSectors(d: Uint8Array, o: Uint8Array, first: bigint, size: number, step: number, encrypt: boolean): void {
    try {
      this.ecbRoad(d, o, first, size, step, encrypt);
    } catch (e) {
      this.dropEcb(); // never reuse a context a failed call may have left mid-block
      throw e;
    }
  }

  private ecbRoad(d: Uint8Array, o: Uint8Array, first: bigint, size: number, step: number, encrypt: boolean): void {
    const sectors = d.length / size;
    // Every sector's first tweak block, E_K2(tweak value), in one update().
    const values = new Uint8Array(sectors * 16);
    const view = new DataView(values.buffer);
    const advance = BigInt(step);
    let tweak = first * advance;
    for (let i = 0; i < sectors; i++, tweak += advance) view.setBigUint64(i * 16, tweak, true);
    const firstTweaks = (this.ecbTweak ??= this.ecbContext(1, true)).update(values);
    values.fill(0);
    if (firstTweaks.length !== sectors * 16)
      throw new Error(`xts native: aes-ecb returned ${firstTweaks.length} bytes for ${sectors * 16}`);
    const c = encrypt
      ? (this.ecbEncrypt ??= this.ecbContext(0, true))
      : (this.ecbDecrypt ??= this.ecbContext(0, false));
    const core = this.core;
    // Windows of whole sectors in the wasm's I/O window: the data, then the window's first
    // tweaks. The input is copied in before anything is written to `o`, so o === d is safe;
    // throughWindow zeroes what the window held (masked data, tweaks, plaintext) when it ends.
    const perWindow = Math.max(1, Math.floor(core.ioBytes / (size + 16)));
    try {
      core.throughWindow((w) => {
        for (let s = 0; s < sectors; s += perWindow) {
          const k = Math.min(perWindow, sectors - s);
          const n = k * size;
          const start = s * size;
          w.put(firstTweaks.subarray(s * 16, (s + k) * 16), n);
          const io = w.put(d.subarray(start, start + n));
          core.wasm.xtsMaskSectors(io, n, size, io + n); // P ⊕ T
          const got = c.update(core.bytes().subarray(io, io + n)); // E_K1 or D_K1
          // ECB without padding hands back every whole block at once; anything else is not XTS.
          if (got.length !== n) {
            got.fill(0);
            throw new Error(`xts native: aes-ecb returned ${got.length} bytes for ${n}`);
          }
          w.put(got);
          got.fill(0);
          core.wasm.xtsMaskSectors(io, n, size, io + n); // … ⊕ T
          w.take(o, start, n);
        }
      });
    } finally {
      firstTweaks.fill(0);
    }
  }

  /** Frees the ECB contexts and zeroes our copy of the key. */
  wipe(): void {
    this.dropEcb();
    this.key.fill(0);
  }

  private run(piece: Uint8Array, o: Uint8Array, at: number, encrypt: boolean): void {
    const c = encrypt
      ? this.crypto.createCipheriv(this.algorithm, this.key, this.iv)
      : this.crypto.createDecipheriv(this.algorithm, this.key, this.iv);
    // update() reads all of `piece` before anything is written, so o === d (in place) is safe.
    const head = c.update(piece);
    o.set(head, at);
    const tail = c.final(); // XTS returns everything from update(); final() frees the context
    if (tail.length) o.set(tail, at + head.length);
    if (!encrypt) {
      head.fill(0);
      tail.fill(0);
    }
  }
}
