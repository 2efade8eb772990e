// AES key wrap: KW (RFC 3394, NIST SP 800-38F W/W⁻¹ with the default IV A6A6A6A6A6A6A6A6) and
// KWP (RFC 5649, alternative IV A65959A6 ‖ 32-bit length, zero padding).
//
// Layout in the I/O window at `ptr`: the 8-byte integrity register A, then R[1..n] (n 64-bit
// blocks). Wrap: the host writes the key data at ptr + 8 and the result (8(n+1) bytes) replaces
// it at ptr. Unwrap: the host writes the wrapped key at ptr; the key data ends at ptr + 8.
//
// Every step of W is one AES block that depends on the previous one, so it goes alone through
// an eight-block batch (seven blocks of zeros): wrapping is not fast, and is meant for keys.
//
// Constant time: the step counter t = n·j + i and all loop bounds depend only on n (public);
// A and R go through the bitsliced batch cipher; the integrity checks (IV, KWP length and
// padding) combine every comparison into one difference word with ORs and arithmetic masks,
// then turn it into the result without a branch. No address depends on key or data bytes:
// the KWP padding mask is computed by shifts whose count derives from the length field.

import { aesEncrypt8, aesDecrypt8, BATCH_BYTES } from './aes';

const BLOCK: usize = memory.data(BATCH_BYTES, 16);  // the batch holding A ‖ R[i]
const KW_IV: u64 = 0xA6A6A6A6A6A6A6A6;
const KWP_AIV: u64 = 0xA65959A6;

/** The W (wrap) or W⁻¹ (unwrap) rounds of SP 800-38F over A at `ptr`, R[1..n] after it
 *  (n ≥ 2). A is kept big-endian in memory; t is XORed into its last bytes. */
function wrapRounds(slot: usize, ptr: usize, n: usize, encrypt: bool): void {
  let a = load<u64>(ptr);          // A, as stored (bytes in order)
  memory.fill(BLOCK, 0, BATCH_BYTES);
  if (encrypt) {
    for (let j: usize = 0; j < 6; j++) {
      for (let i: usize = 1; i <= n; i++) {
        const r = ptr + (i << 3);
        store<u64>(BLOCK, a);
        store<u64>(BLOCK, load<u64>(r), 8);
        aesEncrypt8(slot, BLOCK);
        a = load<u64>(BLOCK) ^ bswap<u64>(<u64>(n * j + i));
        store<u64>(r, load<u64>(BLOCK, 8));
      }
    }
  } else {
    for (let j: isize = 5; j >= 0; j--) {
      for (let i = n; i >= 1; i--) {
        const r = ptr + (i << 3);
        store<u64>(BLOCK, a ^ bswap<u64>(<u64>(n * <usize>j + i)));
        store<u64>(BLOCK, load<u64>(r), 8);
        aesDecrypt8(slot, BLOCK);
        a = load<u64>(BLOCK);
        store<u64>(r, load<u64>(BLOCK, 8));
      }
    }
  }
  store<u64>(ptr, a);
  memory.fill(BLOCK, 0, BATCH_BYTES);
}

/** One block A ‖ R[1] at `ptr` through AES directly (KWP with at most 8 bytes of key data). */
function oneBlock(slot: usize, ptr: usize, encrypt: bool): void {
  memory.fill(BLOCK, 0, BATCH_BYTES);
  memory.copy(BLOCK, ptr, 16);
  if (encrypt) aesEncrypt8(slot, BLOCK); else aesDecrypt8(slot, BLOCK);
  memory.copy(ptr, BLOCK, 16);
  memory.fill(BLOCK, 0, BATCH_BYTES);
}

/** KW: wraps n ≥ 2 blocks of key data at ptr + 8 into 8(n+1) bytes at ptr. */
export function kwWrap(slot: usize, ptr: usize, n: usize): void {
  store<u64>(ptr, KW_IV);
  wrapRounds(slot, ptr, n, true);
}

/** KW: unwraps 8(n+1) bytes at ptr (n ≥ 2); the key data ends at ptr + 8. Returns 1 if the
 *  integrity check passed, else 0 (the host then releases nothing). */
export function kwUnwrap(slot: usize, ptr: usize, n: usize): i32 {
  wrapRounds(slot, ptr, n, false);
  const d = load<u64>(ptr) ^ KW_IV;
  const ok = ((d | (0 - d)) >> 63) ^ 1;
  store<u64>(ptr, 0);
  return <i32>ok;
}

/** KWP: wraps `len` ≥ 1 bytes of key data at ptr + 8 (zero-padded here to n = ⌈len/8⌉
 *  blocks) into 8(n+1) bytes at ptr. */
export function kwpWrap(slot: usize, ptr: usize, len: usize): void {
  const n = (len + 7) >> 3;
  memory.fill(ptr + 8 + len, 0, (n << 3) - len);
  store<u64>(ptr, bswap<u64>((KWP_AIV << 32) | <u64>(<u32>len)));
  if (n == 1) oneBlock(slot, ptr, true); else wrapRounds(slot, ptr, n, true);
}

/** KWP: unwraps 8(n+1) bytes at ptr (n ≥ 1). Returns the key data length (at ptr + 8) if
 *  the AIV, the length field (8(n−1) < MLI ≤ 8n) and the zero padding check out, else −1. */
export function kwpUnwrap(slot: usize, ptr: usize, n: usize): i32 {
  if (n == 1) oneBlock(slot, ptr, false); else wrapRounds(slot, ptr, n, false);
  const a = bswap<u64>(load<u64>(ptr));
  const mli = a & 0xFFFFFFFF;
  let bad = (a >> 32) ^ KWP_AIV;
  // 8(n−1) < MLI ≤ 8n  ⇔  v − 1 = MLI − 8(n−1) − 1 is in [0, 7] (as u64: wraps when negative).
  const vm1 = mli - <u64>((n - 1) << 3) - 1;
  bad |= vm1 >> 3;
  // The last block's bytes past the v = (vm1 & 7) + 1 valid ones must be zero. Big-endian:
  // byte 0 is the top byte, so the padding is the low 8 − v bytes: mask = ~0 >> 8v (0 for v = 8).
  const v = (vm1 & 7) + 1;
  const last = bswap<u64>(load<u64>(ptr + (n << 3)));
  bad |= last & ((<u64>0xFFFFFFFFFFFFFFFF >> ((v << 3) - 1)) >> 1);
  store<u64>(ptr, 0);
  const okMask = ((bad | (0 - bad)) >> 63) - 1;   // all ones if bad == 0, else 0
  return <i32>((mli & okMask) | (~okMask & 0xFFFFFFFF));
}

/** Wipes the KW scratch. */
export function kwWipe(): void {
  memory.fill(BLOCK, 0, BATCH_BYTES);
}
