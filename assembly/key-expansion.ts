// FIPS-197 KeyExpansion without lookup tables.
//
// SubWord goes through the bitsliced Boyar–Peralta circuit (subWord in
// aes-ct64.ts), so no memory address depends on key bytes. Branches and loop
// bounds depend only on the key length and the word index (public). Rcon is
// public and computed by doubling in GF(2^8).
//
// Words are handled as little-endian u32: the word made of key bytes
// [b0, b1, b2, b3] is b0 | b1 << 8 | b2 << 16 | b3 << 24. Hence
//   RotWord([b0, b1, b2, b3]) = [b1, b2, b3, b0]  ->  rotr(w, 8)
//   Rcon [rc, 0, 0, 0]                            ->  XOR rc into the low byte
// and storing the words in order yields round key r at roundKeys + 16 r, its
// byte j being XORed into byte j of the 16-byte block.
//
// No scratch memory: the output buffer itself holds w[i - Nk]; everything
// else lives in locals.

import { subWord } from "./aes-ct64";

/**
 * Expands a 16-, 24- or 32-byte key into (Nr + 1) x 16 bytes of round keys at
 * `roundKeys` (at most 240 bytes). Returns Nr (10, 12 or 14), or 0 (nothing
 * written) for any other key length.
 */
export function expandKey(key: usize, keyLen: i32, roundKeys: usize): i32 {
  if (keyLen != 16 && keyLen != 24 && keyLen != 32) return 0;
  const nk = keyLen >> 2;          // words in the key: 4, 6 or 8
  const nr = nk + 6;               // rounds: 10, 12 or 14
  const total = (nr + 1) << 2;     // words of round-key material
  for (let i = 0; i < nk; i++) {
    store<u32>(roundKeys + (<usize>i << 2), load<u32>(key + (<usize>i << 2)));
  }
  let rcon: u32 = 1;
  let prev = load<u32>(roundKeys + (<usize>(nk - 1) << 2));
  let phase = 0; // i mod nk, public
  for (let i = nk; i < total; i++) {
    let t = prev;
    if (phase == 0) {
      t = subWord(rotr<u32>(t, 8)) ^ rcon;
      rcon = ((rcon << 1) ^ ((rcon >> 7) * 0x1B)) & 0xFF;
    } else if (nk == 8 && phase == 4) {
      t = subWord(t);
    }
    prev = load<u32>(roundKeys + (<usize>(i - nk) << 2)) ^ t;
    store<u32>(roundKeys + (<usize>i << 2), prev);
    phase++;
    if (phase == nk) phase = 0;
  }
  return nr;
}
