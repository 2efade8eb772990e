// Constant-time bitsliced AES on 64-bit integers, four blocks per call.
//
// Technique: the "ct64" bitslicing popularised by BearSSL (aes_ct64), with the
// S-box computed by the Boyar–Peralta circuit (eprint 2009/191: 32 AND,
// 77 XOR, 4 XNOR). This file uses no SIMD types: it is compiled into both
// the SIMD and the no-SIMD WebAssembly builds.
//
// Why it is constant time
//   * The state of four blocks is held as eight 64-bit "bit planes". Every
//     operation is AND / XOR / NOT / shift / rotate by constant amounts on
//     whole words; the same instruction sequence runs for every key and
//     every plaintext.
//   * There are no lookup tables, hence no memory address depends on a
//     secret. All loads and stores use addresses derived from the caller's
//     pointers and public loop counters only.
//   * The only branches and loop bounds depend on `rounds` (public) or on
//     compile-time constants.
//
// Bit-plane layout
//   State byte (row r, column c) of a block is input byte 4c + r (FIPS-197).
//   Plane k (k = 0..7, k = bit weight inside the byte) is a u64 whose bit
//       16*r + 4*c + b
//   is bit k of state byte (r, c) of block b (b = 0..3). So each 16-bit chunk
//   of a plane is one state row, each nibble of a chunk one column, and the
//   four bits of a nibble the four blocks. With this layout
//     * ShiftRows rotates nibbles inside each 16-bit chunk,
//     * "next row, same column" is a 64-bit rotation by 16, which makes
//       MixColumns a handful of rotations and XORs.
//
// Getting there from memory ("bitslice in")
//   Blocks are read as little-endian u64 pairs (lo = bytes 0..7 = columns 0,1;
//   hi = bytes 8..15 = columns 2,3). We first build eight words W[0..7]:
//     W[b]     : byte 2r + 0 = state (r, 0), byte 2r + 1 = state (r, 2) of block b
//     W[4 + b] : byte 2r + 0 = state (r, 1), byte 2r + 1 = state (r, 3) of block b
//   and then apply an 8x8 bit-matrix transpose in every byte lane (12
//   SWAPMOVEs, "ortho"): afterwards word k, byte j, bit i = bit k of byte j of
//   W[i]. Bit 8j + i with i = 4*(c & 1) + b and j = 2r + (c >> 1) equals
//   16r + 4c + b, which is exactly the layout above. The transpose is an
//   involution, so "bitslice out" is transpose + the inverse byte interleave.
//
// Round-key schedule format (ct64KeySchedule output)
//   Round key r occupies 64 bytes at schedule + 64*r: its eight planes in the
//   layout above, the key bit replicated into all four block positions.
//   15 round keys (AES-256) = 960 bytes.

/** Bytes of one round key in ct64 form: eight u64 planes. */
const CT64_ROUND_KEY_BYTES: i32 = 64;
export const CT64_SCHEDULE_BYTES: i32 = 15 * CT64_ROUND_KEY_BYTES; // 960

// ---------------------------------------------------------------------------
// Byte interleaving helpers (public data movement, constant shifts/masks)

// Spread the four bytes of a 32-bit value to the even bytes of a u64:
// byte m -> byte 2m.
// @ts-ignore: decorator
@inline function spreadBytes(x: u64): u64 {
  x &= 0x00000000FFFFFFFF;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFF;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FF;
  return x;
}

// Inverse of spreadBytes: collect the even bytes of a u64 into 32 bits.
// @ts-ignore: decorator
@inline function gatherBytes(x: u64): u64 {
  x &= 0x00FF00FF00FF00FF;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFF;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFF;
  return x;
}

// 8x8 bit transpose inside every byte lane of eight u64 words at p
// (word i at p + 8i). SWAPMOVE(a, b, m, n) exchanges the bits of b selected by
// m with the bits of a selected by m << n. Involution.
// @ts-ignore: decorator
@inline function transposePlanes(p: usize): void {
  let q0 = load<u64>(p, 0);
  let q1 = load<u64>(p, 8);
  let q2 = load<u64>(p, 16);
  let q3 = load<u64>(p, 24);
  let q4 = load<u64>(p, 32);
  let q5 = load<u64>(p, 40);
  let q6 = load<u64>(p, 48);
  let q7 = load<u64>(p, 56);
  let t: u64;
  const m1: u64 = 0x5555555555555555;
  const m2: u64 = 0x3333333333333333;
  const m4: u64 = 0x0F0F0F0F0F0F0F0F;
  // 1x1 sub-blocks
  t = ((q0 >> 1) ^ q1) & m1; q1 ^= t; q0 ^= t << 1;
  t = ((q2 >> 1) ^ q3) & m1; q3 ^= t; q2 ^= t << 1;
  t = ((q4 >> 1) ^ q5) & m1; q5 ^= t; q4 ^= t << 1;
  t = ((q6 >> 1) ^ q7) & m1; q7 ^= t; q6 ^= t << 1;
  // 2x2 sub-blocks
  t = ((q0 >> 2) ^ q2) & m2; q2 ^= t; q0 ^= t << 2;
  t = ((q1 >> 2) ^ q3) & m2; q3 ^= t; q1 ^= t << 2;
  t = ((q4 >> 2) ^ q6) & m2; q6 ^= t; q4 ^= t << 2;
  t = ((q5 >> 2) ^ q7) & m2; q7 ^= t; q5 ^= t << 2;
  // 4x4 sub-blocks
  t = ((q0 >> 4) ^ q4) & m4; q4 ^= t; q0 ^= t << 4;
  t = ((q1 >> 4) ^ q5) & m4; q5 ^= t; q1 ^= t << 4;
  t = ((q2 >> 4) ^ q6) & m4; q6 ^= t; q2 ^= t << 4;
  t = ((q3 >> 4) ^ q7) & m4; q7 ^= t; q3 ^= t << 4;
  store<u64>(p, q0, 0);
  store<u64>(p, q1, 8);
  store<u64>(p, q2, 16);
  store<u64>(p, q3, 24);
  store<u64>(p, q4, 32);
  store<u64>(p, q5, 40);
  store<u64>(p, q6, 48);
  store<u64>(p, q7, 56);
}

// Four 16-byte blocks at src -> eight bit planes at dst (src == dst allowed:
// everything is read before anything is written).
// @ts-ignore: decorator
@inline function bitsliceIn(src: usize, dst: usize): void {
  const lo0 = load<u64>(src, 0),  hi0 = load<u64>(src, 8);
  const lo1 = load<u64>(src, 16), hi1 = load<u64>(src, 24);
  const lo2 = load<u64>(src, 32), hi2 = load<u64>(src, 40);
  const lo3 = load<u64>(src, 48), hi3 = load<u64>(src, 56);
  store<u64>(dst, spreadBytes(lo0) | (spreadBytes(hi0) << 8), 0);
  store<u64>(dst, spreadBytes(lo1) | (spreadBytes(hi1) << 8), 8);
  store<u64>(dst, spreadBytes(lo2) | (spreadBytes(hi2) << 8), 16);
  store<u64>(dst, spreadBytes(lo3) | (spreadBytes(hi3) << 8), 24);
  store<u64>(dst, spreadBytes(lo0 >> 32) | (spreadBytes(hi0 >> 32) << 8), 32);
  store<u64>(dst, spreadBytes(lo1 >> 32) | (spreadBytes(hi1 >> 32) << 8), 40);
  store<u64>(dst, spreadBytes(lo2 >> 32) | (spreadBytes(hi2 >> 32) << 8), 48);
  store<u64>(dst, spreadBytes(lo3 >> 32) | (spreadBytes(hi3 >> 32) << 8), 56);
  transposePlanes(dst);
}

// Eight bit planes at p -> four 16-byte blocks at p (in place).
// @ts-ignore: decorator
@inline function bitsliceOut(p: usize): void {
  transposePlanes(p);
  const e0 = load<u64>(p, 0),  e1 = load<u64>(p, 8);
  const e2 = load<u64>(p, 16), e3 = load<u64>(p, 24);
  const o0 = load<u64>(p, 32), o1 = load<u64>(p, 40);
  const o2 = load<u64>(p, 48), o3 = load<u64>(p, 56);
  store<u64>(p, gatherBytes(e0) | (gatherBytes(o0) << 32), 0);
  store<u64>(p, gatherBytes(e0 >> 8) | (gatherBytes(o0 >> 8) << 32), 8);
  store<u64>(p, gatherBytes(e1) | (gatherBytes(o1) << 32), 16);
  store<u64>(p, gatherBytes(e1 >> 8) | (gatherBytes(o1 >> 8) << 32), 24);
  store<u64>(p, gatherBytes(e2) | (gatherBytes(o2) << 32), 32);
  store<u64>(p, gatherBytes(e2 >> 8) | (gatherBytes(o2 >> 8) << 32), 40);
  store<u64>(p, gatherBytes(e3) | (gatherBytes(o3) << 32), 48);
  store<u64>(p, gatherBytes(e3 >> 8) | (gatherBytes(o3 >> 8) << 32), 56);
}

// ---------------------------------------------------------------------------
// Per-plane linear maps (constant masks and shifts)

// ShiftRows: row r moves left by r columns, i.e. new (r, c) = old (r, c + r):
// the 16-bit chunk of row r is rotated right by 4r bits. Done in two steps
// (14 ops instead of 19): rotate rows 2 and 3 by 8, then rows 1 and 3 by 4.
// @ts-ignore: decorator
@inline function shiftRows(x: u64): u64 {
  x = (x & 0x00000000FFFFFFFF)
    | ((x & 0xFF00FF0000000000) >> 8) | ((x & 0x00FF00FF00000000) << 8);
  return (x & 0x0000FFFF0000FFFF)
    | ((x & 0xFFF00000FFF00000) >> 4) | ((x & 0x000F0000000F0000) << 12);
}

// InvShiftRows: new (r, c) = old (r, c - r): rotate row chunk left by 4r bits
// (rows 1 and 3 left by 4, then rows 2 and 3 by 8).
// @ts-ignore: decorator
@inline function invShiftRows(x: u64): u64 {
  x = (x & 0x0000FFFF0000FFFF)
    | ((x & 0x0FFF00000FFF0000) << 4) | ((x & 0xF0000000F0000000) >> 12);
  return (x & 0x00000000FFFFFFFF)
    | ((x & 0xFF00FF0000000000) >> 8) | ((x & 0x00FF00FF00000000) << 8);
}

// ---------------------------------------------------------------------------
// One S-box layer plus the linear part of a round, fused so that the eight
// planes stay in locals between the S-box and the linear layer.
//
// `mode` is always a compile-time constant at the (inlined) call sites, so the
// branches on it disappear; even where they remain they depend on public data.

const MODE_ENC_ROUND: i32 = 0; // SubBytes, ShiftRows, MixColumns, AddRoundKey
const MODE_ENC_LAST: i32 = 1;  // SubBytes, ShiftRows, AddRoundKey
const MODE_DEC_ROUND: i32 = 2; // InvShiftRows, InvSubBytes, AddRoundKey, InvMixColumns
const MODE_DEC_LAST: i32 = 3;  // InvShiftRows, InvSubBytes, AddRoundKey
const MODE_WORD: i32 = 4;      // S-box on the 4 bytes of `word` (key expansion)

// @ts-ignore: decorator
@inline function sboxRound(p: usize, rk: usize, mode: i32, word: u64): u64 {
  let q0: u64, q1: u64, q2: u64, q3: u64, q4: u64, q5: u64, q6: u64, q7: u64;
  if (mode == MODE_WORD) {
    // plane k = bit k of each byte, one bit per byte lane (no transpose needed)
    const m: u64 = 0x0000000001010101;
    q0 = word & m;        q1 = (word >> 1) & m;
    q2 = (word >> 2) & m; q3 = (word >> 3) & m;
    q4 = (word >> 4) & m; q5 = (word >> 5) & m;
    q6 = (word >> 6) & m; q7 = (word >> 7) & m;
  } else if (mode == MODE_DEC_ROUND || mode == MODE_DEC_LAST) {
    // InvShiftRows (per plane), then the inverse affine map. With
    // Sbox(x) = A(inv(x)) ^ 0x63 and A linear:
    //   InvSbox(y) = inv(A^-1(y ^ 0x63)) = A^-1(Sbox(x) ^ 0x63),
    //   x = A^-1(y ^ 0x63) = A^-1(y) ^ 0x05,
    // i.e. the forward circuit without its XNOR constants, wrapped in A^-1.
    // A^-1: bit i = y[i+2] ^ y[i+5] ^ y[i+7] (indices mod 8).
    const y0 = invShiftRows(load<u64>(p, 0));
    const y1 = invShiftRows(load<u64>(p, 8));
    const y2 = invShiftRows(load<u64>(p, 16));
    const y3 = invShiftRows(load<u64>(p, 24));
    const y4 = invShiftRows(load<u64>(p, 32));
    const y5 = invShiftRows(load<u64>(p, 40));
    const y6 = invShiftRows(load<u64>(p, 48));
    const y7 = invShiftRows(load<u64>(p, 56));
    q0 = ~(y2 ^ y5 ^ y7);
    q1 = y3 ^ y6 ^ y0;
    q2 = ~(y4 ^ y7 ^ y1);
    q3 = y5 ^ y0 ^ y2;
    q4 = y6 ^ y1 ^ y3;
    q5 = y7 ^ y2 ^ y4;
    q6 = y0 ^ y3 ^ y5;
    q7 = y1 ^ y4 ^ y6;
  } else {
    q0 = load<u64>(p, 0);
    q1 = load<u64>(p, 8);
    q2 = load<u64>(p, 16);
    q3 = load<u64>(p, 24);
    q4 = load<u64>(p, 32);
    q5 = load<u64>(p, 40);
    q6 = load<u64>(p, 48);
    q7 = load<u64>(p, 56);
  }

  // Boyar–Peralta S-box circuit. Inputs U0..U7 are bits 7..0; outputs S0..S7
  // are bits 7..0. Gates only: the same work for every input value.
  const u0 = q7, u1 = q6, u2 = q5, u3 = q4, u4 = q3, u5 = q2, u6 = q1, u7 = q0;

  // top linear layer
  const t1 = u0 ^ u3;
  const t2 = u0 ^ u5;
  const t3 = u0 ^ u6;
  const t4 = u3 ^ u5;
  const t5 = u4 ^ u6;
  const t6 = t1 ^ t5;
  const t7 = u1 ^ u2;
  const t8 = u7 ^ t6;
  const t9 = u7 ^ t7;
  const t10 = t6 ^ t7;
  const t11 = u1 ^ u5;
  const t12 = u2 ^ u5;
  const t13 = t3 ^ t4;
  const t14 = t6 ^ t11;
  const t15 = t5 ^ t11;
  const t16 = t5 ^ t12;
  const t17 = t9 ^ t16;
  const t18 = u3 ^ u7;
  const t19 = t7 ^ t18;
  const t20 = t1 ^ t19;
  const t21 = u6 ^ u7;
  const t22 = t7 ^ t21;
  const t23 = t2 ^ t22;
  const t24 = t2 ^ t10;
  const t25 = t20 ^ t17;
  const t26 = t3 ^ t16;
  const t27 = t1 ^ t12;

  // middle non-linear layer (inversion in GF(2^8) via GF(2^4))
  const m1 = t13 & t6;
  const m2 = t23 & t8;
  const m3 = t14 ^ m1;
  const m4 = t19 & u7;
  const m5 = m4 ^ m1;
  const m6 = t3 & t16;
  const m7 = t22 & t9;
  const m8 = t26 ^ m6;
  const m9 = t20 & t17;
  const m10 = m9 ^ m6;
  const m11 = t1 & t15;
  const m12 = t4 & t27;
  const m13 = m12 ^ m11;
  const m14 = t2 & t10;
  const m15 = m14 ^ m11;
  const m16 = m3 ^ m2;
  const m17 = m5 ^ t24;
  const m18 = m8 ^ m7;
  const m19 = m10 ^ m15;
  const m20 = m16 ^ m13;
  const m21 = m17 ^ m15;
  const m22 = m18 ^ m13;
  const m23 = m19 ^ t25;
  const m24 = m22 ^ m23;
  const m25 = m22 & m20;
  const m26 = m21 ^ m25;
  const m27 = m20 ^ m21;
  const m28 = m23 ^ m25;
  const m29 = m28 & m27;
  const m30 = m26 & m24;
  const m31 = m20 & m23;
  const m32 = m27 & m31;
  const m33 = m27 ^ m25;
  const m34 = m21 & m22;
  const m35 = m24 & m34;
  const m36 = m24 ^ m25;
  const m37 = m21 ^ m29;
  const m38 = m32 ^ m33;
  const m39 = m23 ^ m30;
  const m40 = m35 ^ m36;
  const m41 = m38 ^ m40;
  const m42 = m37 ^ m39;
  const m43 = m37 ^ m38;
  const m44 = m39 ^ m40;
  const m45 = m42 ^ m41;
  const m46 = m44 & t6;
  const m47 = m40 & t8;
  const m48 = m39 & u7;
  const m49 = m43 & t16;
  const m50 = m38 & t9;
  const m51 = m37 & t17;
  const m52 = m42 & t15;
  const m53 = m45 & t27;
  const m54 = m41 & t10;
  const m55 = m44 & t13;
  const m56 = m40 & t23;
  const m57 = m39 & t19;
  const m58 = m43 & t3;
  const m59 = m38 & t22;
  const m60 = m37 & t20;
  const m61 = m42 & t1;
  const m62 = m45 & t4;
  const m63 = m41 & t2;

  // bottom linear layer (includes the affine map; XNOR = XOR with 0x63 bits)
  const l0 = m61 ^ m62;
  const l1 = m50 ^ m56;
  const l2 = m46 ^ m48;
  const l3 = m47 ^ m55;
  const l4 = m54 ^ m58;
  const l5 = m49 ^ m61;
  const l6 = m62 ^ l5;
  const l7 = m46 ^ l3;
  const l8 = m51 ^ m59;
  const l9 = m52 ^ m53;
  const l10 = m53 ^ l4;
  const l11 = m60 ^ l2;
  const l12 = m48 ^ m51;
  const l13 = m50 ^ l0;
  const l14 = m52 ^ m61;
  const l15 = m55 ^ l1;
  const l16 = m56 ^ l0;
  const l17 = m57 ^ l1;
  const l18 = m58 ^ l8;
  const l19 = m63 ^ l4;
  const l20 = l0 ^ l1;
  const l21 = l1 ^ l7;
  const l22 = l3 ^ l12;
  const l23 = l18 ^ l2;
  const l24 = l15 ^ l9;
  const l25 = l6 ^ l10;
  const l26 = l7 ^ l9;
  const l27 = l8 ^ l10;
  const l28 = l11 ^ l14;
  const l29 = l11 ^ l17;
  let s7 = l6 ^ l24;        // S0
  let s6 = l16 ^ l26;       // S1 (XNOR: complemented below)
  let s5 = l19 ^ l28;       // S2 (XNOR)
  let s4 = l6 ^ l21;        // S3
  let s3 = l20 ^ l22;       // S4
  let s2 = l25 ^ l29;       // S5
  let s1 = l13 ^ l27;       // S6 (XNOR)
  let s0 = l6 ^ l23;        // S7 (XNOR)
  if (mode != MODE_DEC_ROUND && mode != MODE_DEC_LAST) {
    // The four XNORs add the constant 0x63. Decryption skips them: it
    // applies A^-1 next, and A^-1(s ^ 0x63) ^ 0x05 = A^-1(s), so both
    // constants cancel.
    s6 = ~s6;
    s5 = ~s5;
    s1 = ~s1;
    s0 = ~s0;
  }

  if (mode == MODE_WORD) {
    const m: u64 = 0x0000000001010101;
    return (s0 & m) | ((s1 & m) << 1) | ((s2 & m) << 2) | ((s3 & m) << 3)
      | ((s4 & m) << 4) | ((s5 & m) << 5) | ((s6 & m) << 6) | ((s7 & m) << 7);
  }

  if (mode == MODE_ENC_ROUND || mode == MODE_ENC_LAST) {
    s0 = shiftRows(s0);
    s1 = shiftRows(s1);
    s2 = shiftRows(s2);
    s3 = shiftRows(s3);
    s4 = shiftRows(s4);
    s5 = shiftRows(s5);
    s6 = shiftRows(s6);
    s7 = shiftRows(s7);
    if (mode == MODE_ENC_ROUND) {
      // MixColumns, per column: s'_r = 2(s_r ^ s_{r+1}) ^ s_{r+1} ^ s_{r+2} ^ s_{r+3}.
      // rotr 16 brings row r+1 onto row r, rotr 32 row r+2. With
      // n = rotr16(s), a = s ^ n: s' = xtime(a) ^ n ^ rotr32(a), where
      // xtime on planes is a re-indexing plus XOR of a7 into planes 0,1,3,4
      // (reduction by x^8 + x^4 + x^3 + x + 1).
      const n0 = rotr<u64>(s0, 16), n1 = rotr<u64>(s1, 16);
      const n2 = rotr<u64>(s2, 16), n3 = rotr<u64>(s3, 16);
      const n4 = rotr<u64>(s4, 16), n5 = rotr<u64>(s5, 16);
      const n6 = rotr<u64>(s6, 16), n7 = rotr<u64>(s7, 16);
      const a0 = s0 ^ n0, a1 = s1 ^ n1, a2 = s2 ^ n2, a3 = s3 ^ n3;
      const a4 = s4 ^ n4, a5 = s5 ^ n5, a6 = s6 ^ n6, a7 = s7 ^ n7;
      s0 = a7 ^ n0 ^ rotr<u64>(a0, 32);
      s1 = a0 ^ a7 ^ n1 ^ rotr<u64>(a1, 32);
      s2 = a1 ^ n2 ^ rotr<u64>(a2, 32);
      s3 = a2 ^ a7 ^ n3 ^ rotr<u64>(a3, 32);
      s4 = a3 ^ a7 ^ n4 ^ rotr<u64>(a4, 32);
      s5 = a4 ^ n5 ^ rotr<u64>(a5, 32);
      s6 = a5 ^ n6 ^ rotr<u64>(a6, 32);
      s7 = a6 ^ n7 ^ rotr<u64>(a7, 32);
    }
    store<u64>(p, s0 ^ load<u64>(rk, 0), 0);
    store<u64>(p, s1 ^ load<u64>(rk, 8), 8);
    store<u64>(p, s2 ^ load<u64>(rk, 16), 16);
    store<u64>(p, s3 ^ load<u64>(rk, 24), 24);
    store<u64>(p, s4 ^ load<u64>(rk, 32), 32);
    store<u64>(p, s5 ^ load<u64>(rk, 40), 40);
    store<u64>(p, s6 ^ load<u64>(rk, 48), 48);
    store<u64>(p, s7 ^ load<u64>(rk, 56), 56);
    return 0;
  }

  // Decryption: finish InvSubBytes with A^-1 (the constants cancelled,
  // see above), then AddRoundKey.
  let x0 = (s2 ^ s5 ^ s7) ^ load<u64>(rk, 0);
  let x1 = (s3 ^ s6 ^ s0) ^ load<u64>(rk, 8);
  let x2 = (s4 ^ s7 ^ s1) ^ load<u64>(rk, 16);
  let x3 = (s5 ^ s0 ^ s2) ^ load<u64>(rk, 24);
  let x4 = (s6 ^ s1 ^ s3) ^ load<u64>(rk, 32);
  let x5 = (s7 ^ s2 ^ s4) ^ load<u64>(rk, 40);
  let x6 = (s0 ^ s3 ^ s5) ^ load<u64>(rk, 48);
  let x7 = (s1 ^ s4 ^ s6) ^ load<u64>(rk, 56);
  if (mode == MODE_DEC_ROUND) {
    // InvMixColumns = MixColumns o (multiplication by the circulant
    // (05 00 04 00)): first s_r ^= 4 (s_r ^ s_{r+2}), then MixColumns.
    const v0 = x0 ^ rotr<u64>(x0, 32), v1 = x1 ^ rotr<u64>(x1, 32);
    const v2 = x2 ^ rotr<u64>(x2, 32), v3 = x3 ^ rotr<u64>(x3, 32);
    const v4 = x4 ^ rotr<u64>(x4, 32), v5 = x5 ^ rotr<u64>(x5, 32);
    const v6 = x6 ^ rotr<u64>(x6, 32), v7 = x7 ^ rotr<u64>(x7, 32);
    // 4*v on planes (xtime applied twice)
    x0 ^= v6;
    x1 ^= v6 ^ v7;
    x2 ^= v0 ^ v7;
    x3 ^= v1 ^ v6;
    x4 ^= v2 ^ v6 ^ v7;
    x5 ^= v3 ^ v7;
    x6 ^= v4;
    x7 ^= v5;
    // MixColumns (see the encryption branch)
    const n0 = rotr<u64>(x0, 16), n1 = rotr<u64>(x1, 16);
    const n2 = rotr<u64>(x2, 16), n3 = rotr<u64>(x3, 16);
    const n4 = rotr<u64>(x4, 16), n5 = rotr<u64>(x5, 16);
    const n6 = rotr<u64>(x6, 16), n7 = rotr<u64>(x7, 16);
    const a0 = x0 ^ n0, a1 = x1 ^ n1, a2 = x2 ^ n2, a3 = x3 ^ n3;
    const a4 = x4 ^ n4, a5 = x5 ^ n5, a6 = x6 ^ n6, a7 = x7 ^ n7;
    x0 = a7 ^ n0 ^ rotr<u64>(a0, 32);
    x1 = a0 ^ a7 ^ n1 ^ rotr<u64>(a1, 32);
    x2 = a1 ^ n2 ^ rotr<u64>(a2, 32);
    x3 = a2 ^ a7 ^ n3 ^ rotr<u64>(a3, 32);
    x4 = a3 ^ a7 ^ n4 ^ rotr<u64>(a4, 32);
    x5 = a4 ^ n5 ^ rotr<u64>(a5, 32);
    x6 = a5 ^ n6 ^ rotr<u64>(a6, 32);
    x7 = a6 ^ n7 ^ rotr<u64>(a7, 32);
  }
  store<u64>(p, x0, 0);
  store<u64>(p, x1, 8);
  store<u64>(p, x2, 16);
  store<u64>(p, x3, 24);
  store<u64>(p, x4, 32);
  store<u64>(p, x5, 40);
  store<u64>(p, x6, 48);
  store<u64>(p, x7, 56);
  return 0;
}

// XOR the 64-byte round key at rk into the planes at p.
// @ts-ignore: decorator
@inline function addRoundKey(p: usize, rk: usize): void {
  store<u64>(p, load<u64>(p, 0) ^ load<u64>(rk, 0), 0);
  store<u64>(p, load<u64>(p, 8) ^ load<u64>(rk, 8), 8);
  store<u64>(p, load<u64>(p, 16) ^ load<u64>(rk, 16), 16);
  store<u64>(p, load<u64>(p, 24) ^ load<u64>(rk, 24), 24);
  store<u64>(p, load<u64>(p, 32) ^ load<u64>(rk, 32), 32);
  store<u64>(p, load<u64>(p, 40) ^ load<u64>(rk, 40), 40);
  store<u64>(p, load<u64>(p, 48) ^ load<u64>(rk, 48), 48);
  store<u64>(p, load<u64>(p, 56) ^ load<u64>(rk, 56), 56);
}

// ---------------------------------------------------------------------------
// Exports

/** AES S-box on each byte of x, via the bitsliced circuit (no table). */
export function subWord(x: u32): u32 {
  return <u32>sboxRound(0, 0, MODE_WORD, <u64>x);
}

/**
 * Converts FIPS-197 round keys ((rounds + 1) x 16 bytes at roundKeys) into
 * the bitsliced schedule used by ct64Encrypt4 / ct64Decrypt4:
 * 64 bytes per round key at out + 64 r (at most 960 bytes).
 */
export function ct64KeySchedule(roundKeys: usize, rounds: i32, out: usize): void {
  for (let r = 0; r <= rounds; r++) {
    const src = roundKeys + (<usize>r << 4);
    const dst = out + (<usize>r << 6);
    const lo = load<u64>(src, 0);
    const hi = load<u64>(src, 8);
    // the same key block in all four block positions, then bitslice
    store<u64>(dst, lo, 0);  store<u64>(dst, hi, 8);
    store<u64>(dst, lo, 16); store<u64>(dst, hi, 24);
    store<u64>(dst, lo, 32); store<u64>(dst, hi, 40);
    store<u64>(dst, lo, 48); store<u64>(dst, hi, 56);
    bitsliceIn(dst, dst);
  }
}

/** Encrypts the four 16-byte blocks at `blocks` in place. */
export function ct64Encrypt4(schedule: usize, rounds: i32, blocks: usize): void {
  // The caller's 64 bytes double as the plane store during the computation.
  bitsliceIn(blocks, blocks);
  addRoundKey(blocks, schedule);
  for (let r = 1; r < rounds; r++) {
    sboxRound(blocks, schedule + (<usize>r << 6), MODE_ENC_ROUND, 0);
  }
  sboxRound(blocks, schedule + (<usize>rounds << 6), MODE_ENC_LAST, 0);
  bitsliceOut(blocks);
}

/** Decrypts the four 16-byte blocks at `blocks` in place. */
export function ct64Decrypt4(schedule: usize, rounds: i32, blocks: usize): void {
  bitsliceIn(blocks, blocks);
  addRoundKey(blocks, schedule + (<usize>rounds << 6));
  for (let r = rounds - 1; r > 0; r--) {
    sboxRound(blocks, schedule + (<usize>r << 6), MODE_DEC_ROUND, 0);
  }
  sboxRound(blocks, schedule, MODE_DEC_LAST, 0);
  bitsliceOut(blocks);
}
