// XTS-AES (IEEE Std 1619) built on another library's AES-ECB, written for this benchmark so the
// pure-JavaScript libraries (none of which has XTS) can be compared with atrest and OpenSSL.
//
// Built to give the peer its best case, not a strawman:
//   - the initial tweaks T0 = AES-ECB(K2, LE128(sector)) of all sectors of a call are computed in
//     ONE ECB call (n × 16 bytes), not one call per sector;
//   - per sector, P ⊕ T is formed in a reused scratch buffer on 32-bit words, the tweaks are
//     doubled in GF(2^128) on 32-bit words (shift + conditional 0x87, branch-free), and the whole
//     sector goes through ONE ECB call; the result is XORed with T in place;
//   - keys are expanded once per XTS object where the library allows it (aes-js, asmcrypto.js);
//     @noble/ciphers' public `ecb()` expands the key inside every encrypt/decrypt call (its API
//     offers no way around that short of its `unsafe` single-block helpers), which costs it a
//     little, most at 512-byte sectors (bench/xts.mjs prints that caveat).
// Sector numbers are safe-integer `number`s; full sectors only (the benchmark never needs
// ciphertext stealing). Little-endian hosts only (every machine this runs on).
//
// An adapter is { name, tweak(bytes) → Uint8Array, enc(src, dst), dec(src, dst) }: tweak is an ECB
// encryption under K2 returning a new array; enc/dec are ECB under K1 writing into dst (same length).

const TWO32 = 2 ** 32;

export class PeerXts {
  constructor(adapter, sectorSize) {
    if (sectorSize % 16 !== 0 || sectorSize < 16) throw new RangeError('sectorSize must be a multiple of 16');
    this.a = adapter;
    this.size = sectorSize;
    this.scratch = new Uint8Array(sectorSize);
    this.s32 = new Uint32Array(this.scratch.buffer);
    this.tw = new Uint32Array(sectorSize / 4);
  }

  encrypt(data, firstSector = 0, out = new Uint8Array(data.length)) {
    return this.run(data, firstSector, out, true);
  }

  decrypt(data, firstSector = 0, out = new Uint8Array(data.length)) {
    return this.run(data, firstSector, out, false);
  }

  run(data, first, out, encrypt) {
    const size = this.size;
    if (data.length % size !== 0 || data.length === 0) throw new RangeError('peer xts: whole sectors only');
    if (data.byteOffset % 4 !== 0 || out.byteOffset % 4 !== 0)
      throw new RangeError('peer xts: 4-byte aligned buffers only');
    const n = data.length / size;
    // All initial tweaks in one ECB call.
    const tin = new Uint32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const s = first + i;
      tin[4 * i] = s >>> 0;
      tin[4 * i + 1] = Math.floor(s / TWO32) >>> 0;
    }
    const t0bytes = this.a.tweak(new Uint8Array(tin.buffer));
    const t0 = new Uint32Array(t0bytes.buffer, t0bytes.byteOffset, n * 4);
    const d32 = new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2);
    const o32 = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
    const s32 = this.s32;
    const tw = this.tw;
    const words = size >>> 2;
    const op = encrypt ? this.a.enc : this.a.dec;
    for (let i = 0; i < n; i++) {
      let a = t0[4 * i],
        b = t0[4 * i + 1],
        c = t0[4 * i + 2],
        d = t0[4 * i + 3];
      const base = i * words;
      for (let j = 0; j < words; j += 4) {
        tw[j] = a;
        tw[j + 1] = b;
        tw[j + 2] = c;
        tw[j + 3] = d;
        s32[j] = d32[base + j] ^ a;
        s32[j + 1] = d32[base + j + 1] ^ b;
        s32[j + 2] = d32[base + j + 2] ^ c;
        s32[j + 3] = d32[base + j + 3] ^ d;
        // T ← T·α in GF(2^128), little-endian 128-bit value in words a (low) … d (high).
        const carry = d >>> 31;
        d = (d << 1) | (c >>> 31);
        c = (c << 1) | (b >>> 31);
        b = (b << 1) | (a >>> 31);
        a = (a << 1) ^ (-carry & 0x87);
      }
      op(this.scratch, out.subarray(i * size, (i + 1) * size));
      for (let j = 0; j < words; j++) o32[base + j] ^= tw[j];
    }
    return out;
  }
}

// Each loader imports its library once and returns a synchronous factory key64 → adapter, so
// key setup can be timed without an import in the loop.

/** @noble/ciphers: ecb() with padding off; encrypt/decrypt write into dst. noble's wrapper
 *  refuses a second encrypt() on one cipher object (its nonce-reuse guard, applied to ECB too), so
 *  each call makes a fresh ecb() object — a few argument checks; the key expansion happens inside
 *  every encrypt/decrypt call either way, so there is no key setup to time for noble. */
export async function loadNoble() {
  const { ecb } = await import('@noble/ciphers/aes.js');
  const opts = { disablePadding: true };
  return (key64) => {
    const k1 = key64.slice(0, 32);
    const k2 = key64.slice(32, 64);
    return {
      name: '@noble/ciphers',
      tweak: (b) => ecb(k2, opts).encrypt(b),
      enc: (src, dst) => ecb(k1, opts).encrypt(src, dst),
      dec: (src, dst) => ecb(k1, opts).decrypt(src, dst),
    };
  };
}

/** aes-js: ModeOfOperation.ecb expands the key (both directions) once; encrypt/decrypt return a
 *  new array, copied into dst. */
export async function loadAesjs() {
  const mod = await import('aes-js');
  const aesjs = mod.default ?? mod;
  return (key64) => {
    const k1 = new aesjs.ModeOfOperation.ecb(key64.slice(0, 32));
    const k2 = new aesjs.ModeOfOperation.ecb(key64.slice(32, 64));
    return {
      name: 'aes-js',
      tweak: (b) => k2.encrypt(b),
      enc: (src, dst) => dst.set(k1.encrypt(src)),
      dec: (src, dst) => dst.set(k1.decrypt(src)),
    };
  };
}

/** asmcrypto.js: one AES_ECB object per key (its own asm.js heap, key set once); calls return new
 *  arrays, copied into dst. The package main (asmcrypto.all.js) is used: asmcrypto.all.mjs in
 *  2.3.2 is a stale older build whose encrypt() returns the object, not the bytes. */
export async function loadAsmcrypto() {
  const mod = await import('asmcrypto.js');
  const { AES_ECB } = mod.AES_ECB ? mod : mod.default;
  return (key64) => {
    const k1 = new AES_ECB(key64.slice(0, 32), false);
    const k2 = new AES_ECB(key64.slice(32, 64), false);
    return {
      name: 'asmcrypto.js',
      tweak: (b) => k2.encrypt(b),
      enc: (src, dst) => dst.set(k1.encrypt(src)),
      dec: (src, dst) => dst.set(k1.decrypt(src)),
    };
  };
}

export const PEERS = [
  { id: 'noble', label: '@noble/ciphers XTS', load: loadNoble, keySetup: false },
  { id: 'asmcrypto', label: 'asmcrypto.js XTS', load: loadAsmcrypto, keySetup: true },
  { id: 'aesjs', label: 'aes-js XTS', load: loadAesjs, keySetup: true },
];
