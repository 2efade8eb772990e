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
// Loading: node:crypto is imported through runtime.ts's nodeImport, only in Node or Deno, so
// browser bundles never contain or resolve it. Deno's node:crypto (2.x) has no XTS cipher; the
// check of getCiphers() makes `native` unavailable there and `auto` runs wasm.
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
  getCiphers(): string[];
}

/** node:crypto, and whether this CPU has AES instructions (what `auto` requires). */
export interface NativeXts {
  crypto: NodeCrypto;
  hardwareAes: boolean;
}

let loading: Promise<NativeXts | undefined> | undefined;

/** node:crypto where it exists and has both XTS ciphers, else undefined (browsers; Deno 2.x;
 *  a Node built without them; a context where dynamic import is refused, e.g. the IIFE bundle
 *  evaluated by vm). Loaded once per process. */
export function loadNativeXts(): Promise<NativeXts | undefined> {
  if (loading === undefined) {
    loading = (async () => {
      if (!isNode() && !isDeno()) return undefined;
      try {
        const crypto = (await nodeImport('crypto')) as NodeCrypto;
        const ciphers = crypto.getCiphers();
        if (!ciphers.includes('aes-256-xts') || !ciphers.includes('aes-128-xts')) return undefined;
        return { crypto, hardwareAes: await hardwareAes() };
      } catch {
        return undefined;
      }
    })();
  }
  return loading;
}

/** Whether the CPU has AES instructions, where that can be known: Linux says so in
 *  /proc/cpuinfo; every Mac that runs a current Node has them (Apple silicon; Intel since 2010).
 *  Elsewhere (Windows, BSDs, unreadable cpuinfo) unknown, taken as no: `auto` then stays on the
 *  wasm, and `native` must be asked for. */
async function hardwareAes(): Promise<boolean> {
  const platform = (globalThis as any).process?.platform;
  if (platform === 'darwin') return true;
  if (platform !== 'linux') return false;
  try {
    const fs = await nodeImport('fs');
    return cpuinfoHasAes(fs.readFileSync('/proc/cpuinfo', 'latin1'));
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
