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
// createCipheriv per sector, about 7 µs (against ~1 µs of AES-NI for 4 KiB) on the machine the
// thresholds in xts.ts were measured on: per sector, a cipher looked up by name, a context, a
// new output buffer. So runs of whole sectors take another road, with the same bytes: XTS is
// C = E_K1(P ⊕ T) ⊕ T block by block, with T = E_K2(tweak value) · α^j for block j of a sector
// (IEEE 1619). One `aes-256-ecb` (`aes-128-ecb`) context under K2 encrypts every sector's tweak
// value of the call at once; the α-doublings and XORs run here in 32-bit words; one ECB context
// under K1 then encrypts (or decrypts) a window of sectors per update() call. Measured for issue
// 14 (4 KiB sectors, 4 MiB calls, one thread): ~1.7× the per-sector cipher. The doubling is
// branch-free (the carry becomes a mask), so nothing here depends on a key, tweak or data byte
// but the values themselves: constant time as the AES-NI it runs on. The partial last sector
// (ciphertext stealing) still goes through the XTS cipher. Both ECB contexts live for one call
// and are freed by final() (OpenSSL cleanses freed cipher contexts); the tweak values and
// the masked blocks pass through buffers of ours that are zeroed before the call returns, and
// update()'s output (plaintext on decryption) is zeroed once copied.

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

/** Calls with at least this many whole sectors take the ECB road (file header); fewer pay the
 *  two extra contexts for too little. */
const ECB_FROM_SECTORS = 4;
/** Bytes per ECB update() (rounded down to whole sectors, at least one). */
const ECB_WINDOW_BYTES = 64 * 1024;
/** The ECB road reads 16-byte blocks as four little-endian 32-bit words (Int32Array uses the
 *  platform's order): on a big-endian platform every call takes the XTS cipher. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** dst[block] = src[block] ⊕ T for `sectors` sectors of `blocks` 16-byte blocks, where sector
 *  s's T starts at tw[(first + s)·4 …] and doubles in GF(2^128) (IEEE 1619: little-endian, the
 *  carry out of the top bit folds back as 0x87) from block to block. Branch-free: the carry is
 *  turned into a mask, so timing does not depend on the tweak. Int32Array, not Uint32Array: a
 *  uint32 of 2^31 or more is a heap number in V8's unoptimised tiers (an allocation that depends
 *  on the tweak's top bit), while every int32 is a small integer where integers are 32 bits
 *  (64-bit Node without pointer compression, the default). dst may be src. */
function xorTweaks(
  src: Int32Array,
  dst: Int32Array,
  tw: Int32Array,
  first: number,
  sectors: number,
  blocks: number,
): void {
  let w = 0;
  for (let s = 0; s < sectors; s++) {
    const at = (first + s) << 2;
    let a = tw[at]!;
    let b = tw[at + 1]!;
    let c = tw[at + 2]!;
    let e = tw[at + 3]!;
    for (let j = 0; j < blocks; j++, w += 4) {
      dst[w] = src[w]! ^ a;
      dst[w + 1] = src[w + 1]! ^ b;
      dst[w + 2] = src[w + 2]! ^ c;
      dst[w + 3] = src[w + 3]! ^ e;
      const carry = e >>> 31;
      e = (e << 1) | (c >>> 31);
      c = (c << 1) | (b >>> 31);
      b = (b << 1) | (a >>> 31);
      a = (a << 1) ^ (-carry & 0x87);
    }
  }
}

/** One XTS key in node:crypto's hands: checked by Xts before it gets here (32 or 64 bytes,
 *  halves differ, which OpenSSL also demands: "xts duplicated keys"). */
export class NativeXtsKey {
  private readonly key: Uint8Array;
  private readonly algorithm: string;
  /** The 16-byte IV buffer: the tweak, rewritten for every sector. */
  private readonly iv = new Uint8Array(16);
  private readonly ivView = new DataView(this.iv.buffer);

  constructor(
    private readonly crypto: NodeCrypto,
    key: Uint8Array,
  ) {
    // A copy, never a view: a Buffer's slice() shares memory, and wipe() must not zero the
    // caller's key.
    this.key = new Uint8Array(key);
    this.algorithm = key.length === 64 ? 'aes-256-xts' : 'aes-128-xts';
  }

  /** Sectors of `size` bytes from d into o (o may be d), sector i with tweak value
   *  (first + i) · step as a 128-bit little-endian integer; the last may be partial (≥ 16 bytes,
   *  ciphertext stealing, which OpenSSL does itself). Arguments are already checked. */
  sectors(d: Uint8Array, o: Uint8Array, first: bigint, size: number, step: number, encrypt: boolean): void {
    const whole = Math.floor(d.length / size);
    let offset = 0;
    if (whole >= ECB_FROM_SECTORS && LITTLE_ENDIAN) {
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
    const half = this.key.length / 2;
    const ecb = half === 32 ? 'aes-256-ecb' : 'aes-128-ecb';
    const sectors = d.length / size;
    // Every sector's first tweak block, E_K2(tweak value), in one call.
    const values = new Uint8Array(sectors * 16);
    const view = new DataView(values.buffer);
    const advance = BigInt(step);
    let tweak = first * advance;
    for (let i = 0; i < sectors; i++, tweak += advance) view.setBigUint64(i * 16, tweak, true);
    const t = this.crypto.createCipheriv(ecb, this.key.subarray(half), null);
    t.setAutoPadding(false);
    const encrypted = t.update(values);
    t.final();
    values.set(encrypted);
    encrypted.fill(0);
    const tw = new Int32Array(values.buffer);
    const c = encrypt
      ? this.crypto.createCipheriv(ecb, this.key.subarray(0, half), null)
      : this.crypto.createDecipheriv(ecb, this.key.subarray(0, half), null);
    c.setAutoPadding(false);
    // Windows of whole sectors: the masked blocks go to a buffer of ours (never to `o` before
    // the window's input is read, so o === d is safe), one update() each.
    const window = Math.max(1, Math.floor(ECB_WINDOW_BYTES / size)) * size;
    const masked = new Uint8Array(Math.min(window, d.length));
    const m32 = new Int32Array(masked.buffer);
    // 32-bit views where the arrays are 4-byte aligned (almost always); else copies.
    const unaligned = (d.byteOffset & 3) !== 0;
    const d32 = unaligned ? undefined : new Int32Array(d.buffer, d.byteOffset, d.length >>> 2);
    const o32 = (o.byteOffset & 3) === 0 ? new Int32Array(o.buffer, o.byteOffset, d.length >>> 2) : undefined;
    const blocksPerSector = size >>> 4;
    try {
      for (let start = 0; start < d.length; start += window) {
        const n = Math.min(window, d.length - start);
        const firstSector = start / size;
        const sectorsHere = n / size;
        // P ⊕ T into `masked`.
        const src = d32 ? d32.subarray(start >>> 2) : new Int32Array(d.slice(start, start + n).buffer);
        xorTweaks(src, m32, tw, firstSector, sectorsHere, blocksPerSector);
        if (!d32) new Uint8Array(src.buffer).fill(0);
        const got = c.update(masked.subarray(0, n));
        // ECB without padding hands back every whole block at once; anything else is not XTS.
        if (got.length !== n) throw new Error(`xts native: aes-ecb returned ${got.length} bytes for ${n}`);
        // Node allocates update()'s output 4-byte aligned; a copy if it ever is not.
        const out = (got.byteOffset & 3) === 0 ? got : new Uint8Array(got);
        if (out !== got) got.fill(0);
        // E_K1(P ⊕ T) ⊕ T into `o`.
        const y32 = new Int32Array(out.buffer, out.byteOffset, n >>> 2);
        if (o32) xorTweaks(y32, o32.subarray(start >>> 2), tw, firstSector, sectorsHere, blocksPerSector);
        else {
          xorTweaks(y32, y32, tw, firstSector, sectorsHere, blocksPerSector);
          o.set(out, start);
        }
        out.fill(0);
      }
      c.final();
    } finally {
      masked.fill(0);
      values.fill(0);
    }
  }

  /** Zeroes our copy of the key. */
  wipe(): void {
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
