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
// Cost: one createCipheriv per sector (XTS has no way to re-key the tweak of an open context
// through node:crypto), about 7 µs on the machine the thresholds in xts.ts were measured on.

import { isDeno, isNode, nodeImport } from '../runtime.js';

/** The part of node:crypto this file uses. */
interface NodeCipher {
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
interface NodeCrypto {
  createCipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array): NodeCipher;
  createDecipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array): NodeCipher;
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
    // Tweak values stay below 2^64 (checked by sectorCall), so the high half of the IV stays 0.
    this.ivView.setBigUint64(8, 0n, true);
    let tweak = first * BigInt(step);
    const advance = BigInt(step);
    for (let offset = 0; offset < d.length; offset += size) {
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
