// The block cipher as the rest of the engine sees it: key slots and batches of eight blocks.
//
// A key slot is SLOT_BYTES of wasm memory owned by one AES key: the round count, then the
// round keys in the form the build's cipher consumes (bitsliced planes in the SIMD build,
// ct64 words in the no-SIMD build). The standard byte-form round keys exist only briefly in
// ROUND_KEYS while a slot is filled, and are wiped before aesSetKey returns.

import { encryptBatches, decryptBatches, planeKeySchedule, PLANE_SCHEDULE_BYTES } from './aes-bitsliced';
import { ct64Encrypt4, ct64Decrypt4, ct64KeySchedule } from './aes-ct64';
import { expandKey } from './key-expansion';

/** Bytes of one batch: eight 16-byte blocks, the unit both AES kernels process per call
 *  (the SIMD kernel in one pass, the 64-bit kernel in two halves of four). */
export const BATCH_BYTES: usize = 128;
/** Bytes the host may write at KEY_INPUT: up to a 64-byte XTS-AES-256 key. */
export const KEY_INPUT_BYTES: usize = 64;
/** Bytes of the largest expanded key in standard form: 15 round keys of 16 bytes (AES-256). */
const ROUND_KEY_BYTES: usize = 15 * 16;
export const SLOT_BYTES: i32 = 4096;
const SCHEDULE: usize = 16;                                  // after the round count
const DECRYPT_SCHEDULE: usize = SCHEDULE + <usize>PLANE_SCHEDULE_BYTES;

const ROUND_KEYS: usize = memory.data(ROUND_KEY_BYTES, 16);
/** Where the host writes a key before aesSetKey; wiped by aesSetKey. */
export const KEY_INPUT: usize = memory.data(KEY_INPUT_BYTES, 16);
/** Scratch for a partial batch (fewer than eight real blocks). */
export const BATCH: usize = memory.data(BATCH_BYTES, 16);

/** Expands the keyLen-byte key at KEY_INPUT into `slot`; returns the number of rounds. */
export function aesSetKey(slot: usize, keyLen: i32): i32 {
  const rounds = expandKey(KEY_INPUT, keyLen, ROUND_KEYS);
  store<i32>(slot, rounds);
  if (ASC_FEATURE_SIMD) {
    planeKeySchedule(ROUND_KEYS, rounds, slot + SCHEDULE, slot + DECRYPT_SCHEDULE);
  } else {
    ct64KeySchedule(ROUND_KEYS, rounds, slot + SCHEDULE);
  }
  memory.fill(ROUND_KEYS, 0, ROUND_KEY_BYTES);
  memory.fill(KEY_INPUT, 0, KEY_INPUT_BYTES);
  return rounds;
}

/** Encrypts the eight blocks (128 bytes) at `buf` in place. */
export function aesEncrypt8(slot: usize, buf: usize): void {
  const rounds = load<i32>(slot);
  if (ASC_FEATURE_SIMD) {
    encryptBatches(slot + SCHEDULE, rounds, buf, 1);
  } else {
    ct64Encrypt4(slot + SCHEDULE, rounds, buf);
    ct64Encrypt4(slot + SCHEDULE, rounds, buf + (BATCH_BYTES >> 1));
  }
}

/** Decrypts the eight blocks (128 bytes) at `buf` in place. */
export function aesDecrypt8(slot: usize, buf: usize): void {
  const rounds = load<i32>(slot);
  if (ASC_FEATURE_SIMD) {
    decryptBatches(slot + DECRYPT_SCHEDULE, rounds, buf, 1);
  } else {
    ct64Decrypt4(slot + SCHEDULE, rounds, buf);
    ct64Decrypt4(slot + SCHEDULE, rounds, buf + (BATCH_BYTES >> 1));
  }
}

/** Encrypts `n` (1..MAX_BATCHES) consecutive batches at `buf` in place, their rounds
 *  interleaved (SIMD build only; see encryptBatches). */
export function aesEncryptBatches(slot: usize, buf: usize, n: i32): void {
  encryptBatches(slot + SCHEDULE, load<i32>(slot), buf, n);
}

/** Decrypts `n` (1..MAX_BATCHES) consecutive batches at `buf` in place (SIMD build only). */
export function aesDecryptBatches(slot: usize, buf: usize, n: i32): void {
  decryptBatches(slot + DECRYPT_SCHEDULE, load<i32>(slot), buf, n);
}

/** ECB over `blocks` whole blocks at `ptr`, in place. A final partial batch goes through BATCH
 *  padded with zeros, so every block takes the same constant-time path. */
export function aesBlocks(slot: usize, ptr: usize, blocks: i32, encrypt: bool): void {
  while (blocks >= 8) {
    if (encrypt) aesEncrypt8(slot, ptr); else aesDecrypt8(slot, ptr);
    ptr += BATCH_BYTES;
    blocks -= 8;
  }
  if (blocks > 0) {
    const n = <usize>blocks << 4;
    memory.fill(BATCH, 0, BATCH_BYTES);
    memory.copy(BATCH, ptr, n);
    if (encrypt) aesEncrypt8(slot, BATCH); else aesDecrypt8(slot, BATCH);
    memory.copy(ptr, BATCH, n);
    memory.fill(BATCH, 0, BATCH_BYTES);
  }
}
