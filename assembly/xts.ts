// XTS (IEEE Std 1619-2007, NIST SP 800-38E) over the batch cipher of aes.ts.
//
// A data unit of m full blocks P0..P(m-1) (and maybe a partial block) with tweak value i is
// encrypted as Cj = E_K1(Pj ⊕ Tj) ⊕ Tj, where T0 = E_K2(i) and T(j+1) = Tj·α in GF(2^128).
// Blocks of a unit are independent once their tweaks are known, so eight of them ride in one
// bitsliced batch. Many units (sectors) are processed per call: the first tweaks of up to eight
// consecutive sectors are encrypted together in one batch.
//
// What XTS protects, and what it does not: it hides data at rest from someone who sees the
// storage, with each block's encryption tied to its position. It has no integrity: changed
// ciphertext decrypts to random-looking plaintext without any error, an attacker can restore
// an older copy of a sector, and equal plaintext at the same position and time yields equal
// ciphertext. Integrity, if needed, belongs to the layer above.
//
// Constant time: tweaks are doubled with shifts and an arithmetic mask, never a branch;
// every block (partial batches, the ciphertext-stealing block, the initial tweaks) goes through
// the same bitsliced batch; branches and loop bounds depend only on lengths and the direction.

import { aesEncrypt8, aesDecrypt8, aesEncryptBatches, aesDecryptBatches, BATCH, BATCH_BYTES } from './aes';
import { MAX_BATCHES } from './aes-bitsliced';

/** The host writes the 128-bit little-endian tweak value (sector number) of the next call here. */
export const TWEAK_INPUT: usize = memory.data(16, 16);
const TWEAKS: usize = memory.data(BATCH_BYTES * MAX_BATCHES, 16); // the tweaks of the batches in flight
const FIRST_TWEAKS: usize = memory.data(BATCH_BYTES, 16);  // T0 of up to eight sectors
const STEAL: usize = memory.data(16, 16);          // the block assembled by ciphertext stealing

// The running tweak Tj as a 128-bit little-endian integer (low and high 64 bits).
let tweakLo: u64 = 0;
let tweakHi: u64 = 0;

/** Tj → Tj·α. α is x in GF(2^128) modulo x^128 + x^7 + x^2 + x + 1: shift the 128-bit value
 *  left by one; the bit shifted out stands for x^128 ≡ x^7 + x^2 + x + 1 = 0x87, which is
 *  XORed back into the low byte. The mask (0 - carry) is all ones or all zeros: no branch. */
// @ts-ignore: decorator
@inline function multiplyTweakByAlpha(): void {
  const carry = tweakHi >> 63;
  tweakHi = (tweakHi << 1) | (tweakLo >> 63);
  tweakLo = (tweakLo << 1) ^ (0x87 & (0 - carry));
}

// @ts-ignore: decorator
@inline function crypt8(slot: usize, buf: usize, encrypt: bool): void {
  if (encrypt) aesEncrypt8(slot, buf); else aesDecrypt8(slot, buf);
}

/** XORs the tweaks at TWEAKS into `blocks` blocks at `buf`. */
// @ts-ignore: decorator
@inline function xorTweaks(buf: usize, blocks: usize): void {
  for (let o: usize = 0; o < (blocks << 4); o += 8) store<u64>(buf + o, load<u64>(buf + o) ^ load<u64>(TWEAKS + o));
}

/** Writes the next `blocks` tweaks Tj, Tj+1, … to TWEAKS and advances the running tweak. */
// @ts-ignore: decorator
@inline function nextTweaks(blocks: usize): void {
  for (let o: usize = 0; o < (blocks << 4); o += 16) {
    store<u64>(TWEAKS + o, tweakLo);
    store<u64>(TWEAKS + o, tweakHi, 8);
    multiplyTweakByAlpha();
  }
}

/** Whole batches of eight blocks with the running tweak in a vector (SIMD build only): the
 *  same multiplication by α as multiplyTweakByAlpha in five vector operations — the sign of
 *  each 32-bit lane (psrad) gives the bit each 64-bit half shifts out; a constant shuffle moves
 *  bit 63's carry into bit 64 and bit 127's into the 0x87 reduction; no branch. */
function xtsBatchesSimd(dataSlot: usize, ptr: usize, batches: usize, encrypt: bool): void {
  let t = i64x2.replace_lane(i64x2.splat(tweakLo), 1, tweakHi);
  const reduce = i32x4(0x87, 0, 1, 0);
  // Up to MAX_BATCHES batches per step through the interleaved kernel (aesEncryptBatches).
  while (batches > 0) {
    const n = batches < <usize>MAX_BATCHES ? batches : <usize>MAX_BATCHES;
    const bytes = n * BATCH_BYTES;
    for (let o: usize = 0; o < bytes; o += 16) {
      v128.store(TWEAKS + o, t);
      v128.store(ptr + o, v128.xor(v128.load(ptr + o), t));
      const carries = i32x4.shr_s(t, 31);
      t = v128.xor(i64x2.shl(t, 1), v128.and(i32x4.shuffle(carries, carries, 3, 0, 1, 0), reduce));
    }
    if (encrypt) aesEncryptBatches(dataSlot, ptr, <i32>n); else aesDecryptBatches(dataSlot, ptr, <i32>n);
    for (let o: usize = 0; o < bytes; o += 16) v128.store(ptr + o, v128.xor(v128.load(ptr + o), v128.load(TWEAKS + o)));
    ptr += bytes;
    batches -= n;
  }
  tweakLo = i64x2.extract_lane(t, 0);
  tweakHi = i64x2.extract_lane(t, 1);
}

/** `blocks` full blocks at `ptr`, in place, continuing the running tweak. */
function xtsBlocks(dataSlot: usize, ptr: usize, blocks: usize, encrypt: bool): void {
  if (ASC_FEATURE_SIMD) {
    xtsBatchesSimd(dataSlot, ptr, blocks >> 3, encrypt);
    ptr += (blocks >> 3) << 7;
    blocks &= 7;
  }
  while (blocks >= 8) {
    nextTweaks(8);
    xorTweaks(ptr, 8);
    crypt8(dataSlot, ptr, encrypt);
    xorTweaks(ptr, 8);
    ptr += BATCH_BYTES;
    blocks -= 8;
  }
  if (blocks > 0) {
    const n = blocks << 4;
    memory.fill(BATCH, 0, BATCH_BYTES);
    memory.copy(BATCH, ptr, n);
    nextTweaks(blocks);
    xorTweaks(BATCH, blocks);
    crypt8(dataSlot, BATCH, encrypt);
    xorTweaks(BATCH, blocks);
    memory.copy(ptr, BATCH, n);
    memory.fill(BATCH, 0, BATCH_BYTES);
  }
}

/** One block from `src` to `dst` with the tweak (lo, hi), through a whole batch. */
function xtsOneBlock(dataSlot: usize, src: usize, dst: usize, lo: u64, hi: u64, encrypt: bool): void {
  memory.fill(BATCH, 0, BATCH_BYTES);
  store<u64>(BATCH, load<u64>(src) ^ lo);
  store<u64>(BATCH, load<u64>(src, 8) ^ hi, 8);
  crypt8(dataSlot, BATCH, encrypt);
  store<u64>(dst, load<u64>(BATCH) ^ lo);
  store<u64>(dst, load<u64>(BATCH, 8) ^ hi, 8);
  memory.fill(BATCH, 0, BATCH_BYTES);
}

/** Starts a data unit: T0 = E_K2(TWEAK_INPUT). */
export function xtsUnitStart(tweakSlot: usize): void {
  memory.fill(BATCH, 0, BATCH_BYTES);
  memory.copy(BATCH, TWEAK_INPUT, 16);
  aesEncrypt8(tweakSlot, BATCH);
  tweakLo = load<u64>(BATCH);
  tweakHi = load<u64>(BATCH, 8);
  memory.fill(BATCH, 0, BATCH_BYTES);
}

/** Continues a data unit with `len` bytes (a multiple of 16) that are not its end. */
export function xtsUnitUpdate(dataSlot: usize, ptr: usize, len: usize, encrypt: bool): void {
  xtsBlocks(dataSlot, ptr, len >> 4, encrypt);
}

/** Ends a data unit with its last `len` ≥ 16 bytes, stealing ciphertext for a partial block
 *  (IEEE 1619-2007 §5.3.2 and §5.4.2). With m full blocks and b = len mod 16 > 0:
 *  encryption: CC = E(P(m-1)) with T(m-1); C(m) = first b bytes of CC;
 *              C(m-1) = E(P(m) ‖ last 16-b bytes of CC) with T(m).
 *  decryption: PP = D(C(m-1)) with T(m); P(m) = first b bytes of PP;
 *              P(m-1) = D(C(m) ‖ last 16-b bytes of PP) with T(m-1). */
export function xtsUnitFinish(dataSlot: usize, ptr: usize, len: usize, encrypt: bool): void {
  const full = len >> 4;
  const partial = len & 15;
  if (partial == 0) {
    xtsBlocks(dataSlot, ptr, full, encrypt);
    return;
  }
  const last = ptr + ((full - 1) << 4);   // block m-1
  const tail = ptr + (full << 4);         // the b bytes of block m
  if (encrypt) {
    xtsBlocks(dataSlot, ptr, full, true); // block m-1 now holds CC; the tweak is T(m)
    memory.copy(STEAL, tail, partial);
    memory.copy(STEAL + partial, last + partial, 16 - partial);
    memory.copy(tail, last, partial);
    xtsOneBlock(dataSlot, STEAL, last, tweakLo, tweakHi, true);
  } else {
    xtsBlocks(dataSlot, ptr, full - 1, false); // the tweak is now T(m-1)
    const lo = tweakLo, hi = tweakHi;
    multiplyTweakByAlpha();
    xtsOneBlock(dataSlot, last, last, tweakLo, tweakHi, false); // block m-1 now holds PP
    memory.copy(STEAL, tail, partial);
    memory.copy(STEAL + partial, last + partial, 16 - partial);
    memory.copy(tail, last, partial);
    xtsOneBlock(dataSlot, STEAL, last, lo, hi, false);
  }
  memory.fill(STEAL, 0, 16);
}

/** `len` bytes at `ptr` in place: consecutive sectors of `sectorSize` bytes, the first with the
 *  tweak value at TWEAK_INPUT, the last possibly partial (the host guarantees ≥ 16 bytes).
 *  Consecutive sectors' tweak values differ by `tweakStep`: 1 when sectors are numbered in
 *  their own size, sectorSize / 512 when they are numbered in 512-byte units as dm-crypt does
 *  (the host guarantees 1 ≤ tweakStep ≤ 2^15, so k · tweakStep never overflows). Sector
 *  numbers are public: the step and the carries below are arithmetic, not branches. */
export function xtsSectors(dataSlot: usize, tweakSlot: usize, ptr: usize, len: usize, sectorSize: usize, encrypt: bool, tweakStep: u32): void {
  const step = <u64>tweakStep;
  let sectorLo = load<u64>(TWEAK_INPUT), sectorHi = load<u64>(TWEAK_INPUT, 8);
  while (len > 0) {
    // Up to eight first tweaks in one batch: the tweak values i, i+s, i+2s, … (128-bit
    // additions whose carry is computed as a 0/1 value, not a branch).
    for (let k: usize = 0; k < 8; k++) {
      const lo = sectorLo + <u64>k * step;
      store<u64>(FIRST_TWEAKS + (k << 4), lo);
      store<u64>(FIRST_TWEAKS + (k << 4), sectorHi + <u64>(lo < sectorLo), 8);
    }
    aesEncrypt8(tweakSlot, FIRST_TWEAKS);
    for (let k: usize = 0; k < 8 && len > 0; k++) {
      const n = len < sectorSize ? len : sectorSize;
      tweakLo = load<u64>(FIRST_TWEAKS + (k << 4));
      tweakHi = load<u64>(FIRST_TWEAKS + (k << 4), 8);
      xtsUnitFinish(dataSlot, ptr, n, encrypt);
      ptr += n;
      len -= n;
    }
    const lo = sectorLo + 8 * step;
    sectorHi += <u64>(lo < sectorLo);
    sectorLo = lo;
  }
  memory.fill(FIRST_TWEAKS, 0, BATCH_BYTES);
}

/** The tweak half of XTS without its AES, for the native backend's ECB road
 *  (src/engine/xts-native.ts), which runs E_K1 and E_K2 in node:crypto's AES-ECB between two
 *  calls of this: every 16-byte block j of sector k of the `len` bytes at `ptr` (whole sectors
 *  of `sectorSize` bytes, a multiple of 16) is XORed with Tj = T0·α^j, where T0 = E_K2(tweak
 *  value of sector k) is the 16 bytes the host wrote at `firstTweaks + 16k`. Called before
 *  and after the ECB pass, it turns E_K1 block by block into XTS: Cj = E_K1(Pj ⊕ Tj) ⊕ Tj.
 *  Constant time as xtsBatchesSimd: α is applied by shifts and masks (multiplyTweakByAlpha in
 *  the no-SIMD build), loads and stores walk the buffer in order, and the loop bounds are the
 *  lengths; no value of a tweak or of the data chooses a branch or an address. */
export function xtsMaskSectors(ptr: usize, len: usize, sectorSize: usize, firstTweaks: usize): void {
  let t0 = firstTweaks;
  for (let sector = ptr, end = ptr + len; sector < end; sector += sectorSize, t0 += 16) {
    const stop = sector + sectorSize;
    if (ASC_FEATURE_SIMD) {
      let t = v128.load(t0);
      const reduce = i32x4(0x87, 0, 1, 0);
      for (let p = sector; p < stop; p += 16) {
        v128.store(p, v128.xor(v128.load(p), t));
        const carries = i32x4.shr_s(t, 31);
        t = v128.xor(i64x2.shl(t, 1), v128.and(i32x4.shuffle(carries, carries, 3, 0, 1, 0), reduce));
      }
    } else {
      tweakLo = load<u64>(t0);
      tweakHi = load<u64>(t0, 8);
      for (let p = sector; p < stop; p += 16) {
        store<u64>(p, load<u64>(p) ^ tweakLo);
        store<u64>(p, load<u64>(p, 8) ^ tweakHi, 8);
        multiplyTweakByAlpha();
      }
    }
  }
  tweakLo = 0;
  tweakHi = 0;
}

/** Wipes every XTS scratch value that held a tweak or data. */
export function xtsWipe(): void {
  tweakLo = 0;
  tweakHi = 0;
  memory.fill(TWEAKS, 0, BATCH_BYTES * MAX_BATCHES);
  memory.fill(FIRST_TWEAKS, 0, BATCH_BYTES);
  memory.fill(STEAL, 0, 16);
  memory.fill(TWEAK_INPUT, 0, 16);
}
