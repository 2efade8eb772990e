// AES-GCM (NIST SP 800-38D): CTR keystream through the bitsliced batch cipher of aes.ts and
// GHASH by integer multiplication with bits spread apart (BearSSL's ghash_ctmul64 idea).
//
// GHASH without a carry-less multiply: wasm has no pclmul, so a 64×64 carry-less product is
// built from 16 ordinary i64 multiplications of operands masked to every fourth bit
// (bmul64): in x_i * y_j the partial products of one bit position are 4 bits apart, so
// integer carries land only in bit positions that are masked away afterwards. i64.mul keeps
// the low 64 bits; the high 64 bits of the carry-less product are those of the product of the
// bit-reversed operands, reversed (rev64). A 128×128 product is three 64×64 products
// (Karatsuba), each done twice (straight and reversed): six bmul64 per block. Four blocks are
// folded per reduction with precomputed H, H^2, H^3, H^4:
//   Y' = (Y ⊕ X1)·H^4 ⊕ X2·H^3 ⊕ X3·H^2 ⊕ X4·H,
// the unreduced products being XORed before one bit reversal, shift and reduction.
//
// Constant time: GHASH is straight-line code of AND, XOR, OR, shifts by constants and
// integer multiplications (i64.mul has data-independent latency on the CPUs wasm engines
// target); no table, no branch, no address depends on H, the data or the tag. The tag check
// ORs all differences together and turns the result into 0/1 arithmetically. The CTR counter
// is derived from the nonce (public); the keystream goes through the same bitsliced batch for
// every block, including a final partial batch. Branches and loop bounds depend only on lengths.
//
// Where values live: H, H^2, H^3, H^4 (each as h0, h1, h0^h1 and their bit reversals, 48
// bytes) sit in the unused tail of the key's AES slot (wiped with the slot on dispose). The
// GHASH accumulator, J0, E_K(J0), the counter and the keystream batch are static scratch,
// wiped by gcmWipe() (called from wipeScratch after every host call).

import { aesEncrypt8, BATCH_BYTES, SLOT_BYTES } from './aes';
import { PLANE_SCHEDULE_BYTES } from './aes-bitsliced';
import { CT64_SCHEDULE_BYTES } from './aes-ct64';

/** Offset of the GHASH key powers in an AES slot: right after the round-count word and the
 *  build's key schedules (16 + 2 × 1920 = 3856 in the SIMD build, 16 + 960 = 976 without). */
const GH_OFFSET: usize = ((16 + (ASC_FEATURE_SIMD ? 2 * PLANE_SCHEDULE_BYTES : CT64_SCHEDULE_BYTES)) + 15) & ~15;
const GH_BYTES: usize = 4 * 48;
// The layout must fit in a slot (checked at compile time).
// @ts-ignore: compile-time check
if (GH_OFFSET + GH_BYTES > <usize>SLOT_BYTES) ERROR('gcm.ts: the GHASH key powers do not fit in the AES slot tail');

/** Where the host writes J0 = nonce ‖ 00000001 for a 12-byte nonce before gcmStart(slot, 0). */
export const J0_INPUT: usize = memory.data(16, 16);
const KEYSTREAM: usize = memory.data(BATCH_BYTES, 16);  // eight counter blocks, then their encryption
const PAD: usize = memory.data(16, 16);          // a zero-padded final partial block
const EJ0: usize = memory.data(16, 16);          // E_K(J0), XORed into the tag

// GHASH accumulator Y as two big-endian 64-bit halves (yHi = bytes 0..7).
let yHi: u64 = 0;
let yLo: u64 = 0;
// The first 12 bytes of the counter block (as loaded, little-endian words) and its last word.
let ctrPrefixA: u64 = 0;
let ctrPrefixB: u32 = 0;
let ctr: u32 = 0;

// Unreduced 256-bit sums of the current group of products (see ghashMul / ghashReduce).
let z0: u64 = 0, z1: u64 = 0, z2: u64 = 0, z0h: u64 = 0, z1h: u64 = 0, z2h: u64 = 0;

// ------------------------------------------------------------------ GHASH primitives

/** Low 64 bits of the carry-less product of x and y (constant time: masks and i64.mul). */
// @ts-ignore: decorator
@inline function bmul64(x: u64, y: u64): u64 {
  const x0 = x & 0x1111111111111111, x1 = x & 0x2222222222222222;
  const x2 = x & 0x4444444444444444, x3 = x & 0x8888888888888888;
  const y0 = y & 0x1111111111111111, y1 = y & 0x2222222222222222;
  const y2 = y & 0x4444444444444444, y3 = y & 0x8888888888888888;
  const r0 = ((x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1)) & 0x1111111111111111;
  const r1 = ((x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2)) & 0x2222222222222222;
  const r2 = ((x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3)) & 0x4444444444444444;
  const r3 = ((x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0)) & 0x8888888888888888;
  return r0 | r1 | r2 | r3;
}

/** Reverses the 64 bits of x (constant shifts and masks). */
// @ts-ignore: decorator
@inline function rev64(x: u64): u64 {
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  x = ((x & 0x0F0F0F0F0F0F0F0F) << 4) | ((x >> 4) & 0x0F0F0F0F0F0F0F0F);
  return bswap<u64>(x);
}

/** rev64(be64(ptr)) = the bits of each byte reversed, bytes in memory order (three mask
 *  steps instead of five: the byte swap of be64 and of rev64 cancel). */
// @ts-ignore: decorator
@inline function revBe64(ptr: usize): u64 {
  let x = load<u64>(ptr);
  x = ((x & 0x5555555555555555) << 1) | ((x >> 1) & 0x5555555555555555);
  x = ((x & 0x3333333333333333) << 2) | ((x >> 2) & 0x3333333333333333);
  return ((x & 0x0F0F0F0F0F0F0F0F) << 4) | ((x >> 4) & 0x0F0F0F0F0F0F0F0F);
}

/** Big-endian 64-bit load. */
// @ts-ignore: decorator
@inline function be64(ptr: usize): u64 { return bswap<u64>(load<u64>(ptr)); }

/** Adds (hi ‖ lo) · P to the unreduced sums, P being the power stored at `p` (48 bytes:
 *  h0, h1, h2 = h0 ⊕ h1, and their bit reversals; h1 holds bytes 0..7, h0 bytes 8..15). */
// @ts-ignore: decorator
@inline function ghashMul(hi: u64, lo: u64, p: usize): void {
  ghashMulR(hi, lo, rev64(hi), rev64(lo), p);
}

/** ghashMul with the bit reversals of hi and lo given. Not inlined: its six bmul64 are most of
 *  the module's size, and a call costs little next to them. */
function ghashMulR(hi: u64, lo: u64, hir: u64, lor: u64, p: usize): void {
  z0 ^= bmul64(lo, load<u64>(p));
  z1 ^= bmul64(hi, load<u64>(p, 8));
  z2 ^= bmul64(lo ^ hi, load<u64>(p, 16));
  z0h ^= bmul64(lor, load<u64>(p, 24));
  z1h ^= bmul64(hir, load<u64>(p, 32));
  z2h ^= bmul64(lor ^ hir, load<u64>(p, 40));
}

/** Reduces the unreduced sums modulo x^128 + x^7 + x^2 + x + 1 (in GCM's reflected bit
 *  order) into Y, and clears them. Straight-line shifts and XORs. */
// @ts-ignore: decorator
@inline function ghashReduce(): void {
  let m = z2 ^ z0 ^ z1;
  let mh = z2h ^ z0h ^ z1h;
  const a0h = rev64(z0h) >> 1;
  const a1h = rev64(z1h) >> 1;
  mh = rev64(mh) >> 1;
  let v0 = z0;
  let v1 = a0h ^ m;
  let v2 = z1 ^ mh;
  let v3 = a1h;
  v3 = (v3 << 1) | (v2 >> 63);
  v2 = (v2 << 1) | (v1 >> 63);
  v1 = (v1 << 1) | (v0 >> 63);
  v0 = v0 << 1;
  v2 ^= v0 ^ (v0 >> 1) ^ (v0 >> 2) ^ (v0 >> 7);
  v1 ^= (v0 << 63) ^ (v0 << 62) ^ (v0 << 57);
  v3 ^= v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7);
  v2 ^= (v1 << 63) ^ (v1 << 62) ^ (v1 << 57);
  yLo = v2;
  yHi = v3;
  z0 = 0; z1 = 0; z2 = 0; z0h = 0; z1h = 0; z2h = 0;
}

/** Stores the power (hi ‖ lo) in the form ghashMul reads, at `p`. */
function storePower(p: usize, hi: u64, lo: u64): void {
  const lor = rev64(lo), hir = rev64(hi);
  store<u64>(p, lo);
  store<u64>(p, hi, 8);
  store<u64>(p, lo ^ hi, 16);
  store<u64>(p, lor, 24);
  store<u64>(p, hir, 32);
  store<u64>(p, lor ^ hir, 40);
}

/** Absorbs one 16-byte block at `ptr`: Y = (Y ⊕ X) · H. */
// @ts-ignore: decorator
@inline function absorb1(gh: usize, ptr: usize): void {
  ghashMul(yHi ^ be64(ptr), yLo ^ be64(ptr + 8), gh);
  ghashReduce();
}

/** Absorbs four blocks at `ptr` with one reduction. */
// @ts-ignore: decorator
@inline function absorb4(gh: usize, ptr: usize): void {
  ghashMul(yHi ^ be64(ptr), yLo ^ be64(ptr + 8), gh + 144);   // · H^4
  ghashMulR(be64(ptr + 16), be64(ptr + 24), revBe64(ptr + 16), revBe64(ptr + 24), gh + 96); // · H^3
  ghashMulR(be64(ptr + 32), be64(ptr + 40), revBe64(ptr + 32), revBe64(ptr + 40), gh + 48); // · H^2
  ghashMulR(be64(ptr + 48), be64(ptr + 56), revBe64(ptr + 48), revBe64(ptr + 56), gh);      // · H
  ghashReduce();
}

/** Absorbs `len` bytes at `ptr`; a final partial block is zero-padded (through PAD, so no
 *  byte past `len` is read). */
function absorb(gh: usize, ptr: usize, len: usize): void {
  while (len >= 64) {
    absorb4(gh, ptr);
    ptr += 64;
    len -= 64;
  }
  while (len >= 16) {
    absorb1(gh, ptr);
    ptr += 16;
    len -= 16;
  }
  if (len > 0) {
    memory.fill(PAD, 0, 16);
    memory.copy(PAD, ptr, len);
    absorb1(gh, PAD);
    memory.fill(PAD, 0, 16);
  }
}

// ------------------------------------------------------------------ exports

/** Key setup for GCM on an AES slot that holds the key: H = E_K(0^128) and H^2..H^4, stored
 *  in the slot's tail. The GHASH accumulator is used as a temporary and cleared. */
export function gcmInit(slot: usize): void {
  const gh = slot + GH_OFFSET;
  memory.fill(KEYSTREAM, 0, BATCH_BYTES);
  aesEncrypt8(slot, KEYSTREAM);
  const hHi = be64(KEYSTREAM), hLo = be64(KEYSTREAM + 8);
  memory.fill(KEYSTREAM, 0, BATCH_BYTES);
  storePower(gh, hHi, hLo);
  // H^(k+1) = H^k · H: multiply by the stored H (ghashMul reads power 1 at gh).
  yHi = hHi; yLo = hLo;
  for (let k: usize = 1; k < 4; k++) {
    ghashMul(yHi, yLo, gh);
    ghashReduce();
    storePower(gh + k * 48, yHi, yLo);
  }
  yHi = 0; yLo = 0;
}

/** Y = 0: starts a GHASH computation (nonce hashing or a message). */
export function ghashReset(): void {
  yHi = 0;
  yLo = 0;
}

/** Absorbs `len` bytes at `ptr` into Y. Every call but the last of a field (nonce, AAD,
 *  ciphertext) must pass a multiple of 16 bytes; a final partial block is zero-padded. */
export function ghashUpdate(slot: usize, ptr: usize, len: usize): void {
  absorb(slot + GH_OFFSET, ptr, len);
}

/** Absorbs the length block [8·a]64 ‖ [8·b]64 (a, b in bytes, below 2^53). */
export function ghashLengths(slot: usize, a: f64, b: f64): void {
  const aBits = <u64>a << 3, bBits = <u64>b << 3;
  store<u64>(PAD, bswap<u64>(aBits));
  store<u64>(PAD, bswap<u64>(bBits), 8);
  absorb1(slot + GH_OFFSET, PAD);
  memory.fill(PAD, 0, 16);
}

/** Starts a message: J0 is J0_INPUT (fromGhash = 0: the host wrote nonce ‖ 00000001) or the
 *  GHASH of the nonce just absorbed (fromGhash = 1). Computes E_K(J0) for the tag, sets the
 *  counter to inc32(J0) and Y to 0. */
export function gcmStart(slot: usize, fromGhash: bool): void {
  if (fromGhash) {
    store<u64>(J0_INPUT, bswap<u64>(yHi));
    store<u64>(J0_INPUT, bswap<u64>(yLo), 8);
  }
  ctrPrefixA = load<u64>(J0_INPUT);
  ctrPrefixB = load<u32>(J0_INPUT, 8);
  ctr = bswap<u32>(load<u32>(J0_INPUT, 12));
  memory.fill(KEYSTREAM, 0, BATCH_BYTES);
  memory.copy(KEYSTREAM, J0_INPUT, 16);
  aesEncrypt8(slot, KEYSTREAM);
  memory.copy(EJ0, KEYSTREAM, 16);
  memory.fill(KEYSTREAM, 0, BATCH_BYTES);
  memory.fill(J0_INPUT, 0, 16);
  ctr += 1;
  yHi = 0;
  yLo = 0;
}

/** Eight counter blocks, encrypted, at KEYSTREAM; advances the counter by 8 (inc32 wraps
 *  modulo 2^32, as SP 800-38D specifies). */
// @ts-ignore: decorator
@inline function keystream8(slot: usize): void {
  for (let k: usize = 0; k < 8; k++) {
    const b = KEYSTREAM + (k << 4);
    store<u64>(b, ctrPrefixA);
    store<u32>(b, ctrPrefixB, 8);
    store<u32>(b, bswap<u32>(ctr + <u32>k), 12);
  }
  aesEncrypt8(slot, KEYSTREAM);
  ctr += 8;
}

/** XORs the 128-byte keystream batch into 128 bytes at `ptr`. */
// @ts-ignore: decorator
@inline function xor128(ptr: usize): void {
  if (ASC_FEATURE_SIMD) {
    for (let o: usize = 0; o < BATCH_BYTES; o += 16) {
      v128.store(ptr + o, v128.xor(v128.load(ptr + o), v128.load(KEYSTREAM + o)));
    }
  } else {
    for (let o: usize = 0; o < BATCH_BYTES; o += 8) {
      store<u64>(ptr + o, load<u64>(ptr + o) ^ load<u64>(KEYSTREAM + o));
    }
  }
}

/** CTR over the `len` bytes at `ptr` in place (a partial final batch XORs only `len` bytes). */
function ctrXor(slot: usize, ptr: usize, len: usize, hash: bool): void {
  const gh = slot + GH_OFFSET;
  while (len >= BATCH_BYTES) {
    keystream8(slot);
    xor128(ptr);
    if (hash) absorb(gh, ptr, BATCH_BYTES);
    ptr += BATCH_BYTES;
    len -= BATCH_BYTES;
  }
  if (len > 0) {
    keystream8(slot);
    ctr -= 8 - <u32>((len + 15) >> 4);   // only the blocks used advance the counter
    for (let o: usize = 0; o < len; o++) store<u8>(ptr + o, load<u8>(ptr + o) ^ load<u8>(KEYSTREAM + o));
    if (hash) absorb(gh, ptr, len);
  }
  memory.fill(KEYSTREAM, 0, BATCH_BYTES);
}

/** Encrypts `len` bytes at `ptr` in place and absorbs the ciphertext. All calls of a message
 *  but the last pass a multiple of 16 bytes. */
export function gcmEncrypt(slot: usize, ptr: usize, len: usize): void {
  ctrXor(slot, ptr, len, true);
}

/** CTR only (decryption after the tag was verified). Same length rule as gcmEncrypt. */
export function gcmCtr(slot: usize, ptr: usize, len: usize): void {
  ctrXor(slot, ptr, len, false);
}

/** Writes the tag Y ⊕ E_K(J0) (after ghashLengths) to the 16 bytes at `ptr`. */
export function gcmTag(ptr: usize): void {
  store<u64>(ptr, bswap<u64>(yHi) ^ load<u64>(EJ0));
  store<u64>(ptr, bswap<u64>(yLo) ^ load<u64>(EJ0, 8), 8);
}

/** 1 if the 16 bytes at `ptr` equal the tag Y ⊕ E_K(J0), else 0. Constant time: the
 *  differences are ORed together and reduced to one bit without a branch. */
export function gcmVerify(ptr: usize): i32 {
  const d = (load<u64>(ptr) ^ bswap<u64>(yHi) ^ load<u64>(EJ0))
          | (load<u64>(ptr, 8) ^ bswap<u64>(yLo) ^ load<u64>(EJ0, 8));
  const nonzero = (d | (0 - d)) >> 63;   // 1 if d ≠ 0
  return <i32>(nonzero ^ 1);
}

/** Wipes every GCM scratch value. */
export function gcmWipe(): void {
  yHi = 0; yLo = 0;
  z0 = 0; z1 = 0; z2 = 0; z0h = 0; z1h = 0; z2h = 0;
  ctrPrefixA = 0; ctrPrefixB = 0; ctr = 0;
  memory.fill(J0_INPUT, 0, 16);
  memory.fill(KEYSTREAM, 0, BATCH_BYTES);
  memory.fill(PAD, 0, 16);
  memory.fill(EJ0, 0, 16);
}
