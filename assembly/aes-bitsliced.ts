// Bitsliced AES on eight 128-bit bit-planes: eight blocks per call (SIMD build only).
//
// Layout (Käsper–Schwabe). Eight blocks B0..B7 are loaded, each byte-permuted so that lane
// j = 4·row + column of the AES state, and then bit-transposed inside every byte lane:
// afterwards plane i holds bit i of every state byte, and bit k of lane j of plane i is bit i of
// byte j of block k. In that form
//   - SubBytes is a Boolean circuit evaluated on whole planes (all 128 S-boxes at once),
//   - ShiftRows is one constant byte shuffle per plane (rows are groups of four lanes),
//   - MixColumns multiplies by x with plane re-indexing and rotates rows as 32-bit lanes.
//
// Constant time: every operation below is a v128 AND/XOR/shift/constant-shuffle whose V8
// lowering (pand/pxor/psllq/pshufb/pshufd) takes the same time for every input. There is no
// table, no branch and no address that depends on the key or the data; the only loop bound is
// the number of rounds, which depends only on the (public) key length.
//
// Functions here are reached only from `if (ASC_FEATURE_SIMD)` branches, so the no-SIMD build
// never compiles them (AssemblyScript compiles functions lazily). No top-level v128 constants:
// they would be compiled in both builds.

/** Bytes of one bitsliced round-key set: 15 round keys × 8 planes × 16 bytes (AES-256). */
export const PLANE_SCHEDULE_BYTES: i32 = 15 * 8 * 16;

// ---- loading: byte permutation and the 8×8 bit transpose -----------------------------------

/** Column-major AES byte order (FIPS-197: byte k is row k%4, column k/4) to row-major lanes.
 *  The permutation is an involution, so it also converts back. */
// @ts-ignore: decorator
@inline function toRowMajor(b: v128, mask: v128): v128 {
  return i8x16.swizzle(b, mask);
}
// @ts-ignore: decorator
@inline function rowMajorMask(): v128 {
  return v128(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
}

// Byte permutations are written as i8x16.swizzle with a mask held in a local rather than as
// i8x16.shuffle: V8 lowers both to pshufb, but re-materialises a shuffle's constant mask from
// immediates (four instructions) at every use, while a swizzle's in-range constant mask is
// built once per function and reused.

/** Converts a batch between blocks and planes: the byte permutation toRowMajor, then the 8×8
 *  bit transpose inside every byte lane — (register k, bit i) → (register i, bit k) — by three
 *  SWAPMOVE stages that exchange bits at distance 1, 2 and 4 between registers at distance 1,
 *  2 and 4 (the shifts are 64-bit but the masks keep every exchanged bit inside its byte).
 *  Both steps are involutions, so the inverse applies them in reverse order.
 *  `toPlanes` (a compile-time constant): blocks at `src` → planes at `dst`, with the round key
 *  planes at `rk` added (the cipher's first AddRoundKey); otherwise planes → blocks, rk unused.
 *  Straight-line code, inlined: as loops over the eight registers (and a separate first
 *  AddRoundKey) this took ~22 instructions per 16-byte step in V8 — ~480 per batch, 11 % of it. */
// @ts-ignore: decorator
@inline function convertBatch(src: usize, dst: usize, rk: usize, toPlanes: bool): void {
  const mask = rowMajorMask();
  let r0 = v128.load(src, 0), r1 = v128.load(src, 16), r2 = v128.load(src, 32), r3 = v128.load(src, 48);
  let r4 = v128.load(src, 64), r5 = v128.load(src, 80), r6 = v128.load(src, 96), r7 = v128.load(src, 112);
  if (toPlanes) {
    r0 = toRowMajor(r0, mask); r1 = toRowMajor(r1, mask); r2 = toRowMajor(r2, mask); r3 = toRowMajor(r3, mask);
    r4 = toRowMajor(r4, mask); r5 = toRowMajor(r5, mask); r6 = toRowMajor(r6, mask); r7 = toRowMajor(r7, mask);
  }
  let m = i8x16.splat(0x55);
  let t = v128.and(v128.xor(i64x2.shr_u(r0, 1), r1), m); r1 = v128.xor(r1, t); r0 = v128.xor(r0, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(r2, 1), r3), m); r3 = v128.xor(r3, t); r2 = v128.xor(r2, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(r4, 1), r5), m); r5 = v128.xor(r5, t); r4 = v128.xor(r4, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(r6, 1), r7), m); r7 = v128.xor(r7, t); r6 = v128.xor(r6, i64x2.shl(t, 1));
  m = i8x16.splat(0x33);
  t = v128.and(v128.xor(i64x2.shr_u(r0, 2), r2), m); r2 = v128.xor(r2, t); r0 = v128.xor(r0, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(r1, 2), r3), m); r3 = v128.xor(r3, t); r1 = v128.xor(r1, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(r4, 2), r6), m); r6 = v128.xor(r6, t); r4 = v128.xor(r4, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(r5, 2), r7), m); r7 = v128.xor(r7, t); r5 = v128.xor(r5, i64x2.shl(t, 2));
  m = i8x16.splat(0x0f);
  t = v128.and(v128.xor(i64x2.shr_u(r0, 4), r4), m); r4 = v128.xor(r4, t); r0 = v128.xor(r0, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(r1, 4), r5), m); r5 = v128.xor(r5, t); r1 = v128.xor(r1, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(r2, 4), r6), m); r6 = v128.xor(r6, t); r2 = v128.xor(r2, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(r3, 4), r7), m); r7 = v128.xor(r7, t); r3 = v128.xor(r3, i64x2.shl(t, 4));
  if (toPlanes) {
    v128.store(dst, v128.xor(r0, v128.load(rk, 0)), 0); v128.store(dst, v128.xor(r1, v128.load(rk, 16)), 16);
    v128.store(dst, v128.xor(r2, v128.load(rk, 32)), 32); v128.store(dst, v128.xor(r3, v128.load(rk, 48)), 48);
    v128.store(dst, v128.xor(r4, v128.load(rk, 64)), 64); v128.store(dst, v128.xor(r5, v128.load(rk, 80)), 80);
    v128.store(dst, v128.xor(r6, v128.load(rk, 96)), 96); v128.store(dst, v128.xor(r7, v128.load(rk, 112)), 112);
  } else {
    v128.store(dst, toRowMajor(r0, mask), 0); v128.store(dst, toRowMajor(r1, mask), 16);
    v128.store(dst, toRowMajor(r2, mask), 32); v128.store(dst, toRowMajor(r3, mask), 48);
    v128.store(dst, toRowMajor(r4, mask), 64); v128.store(dst, toRowMajor(r5, mask), 80);
    v128.store(dst, toRowMajor(r6, mask), 96); v128.store(dst, toRowMajor(r7, mask), 112);
  }
}

/** Eight blocks at `src` → eight planes at `st`, plus the round key planes at `rk`. */
function bitsliceAddKey(src: usize, st: usize, rk: usize): void {
  convertBatch(src, st, rk, true);
}

/** Eight planes at `st` → eight blocks at `dst` (the inverse of bitslice, without a key). */
function unbitslice(st: usize, dst: usize): void {
  convertBatch(st, dst, 0, false);
}

// ---- SubBytes: the Boyar–Peralta circuit ---------------------------------------------------

/** The Boyar–Peralta S-box circuit (Boyar & Peralta, "A depth-16 circuit for the AES S-box",
 *  2011) on whole planes: 113 gates — a linear top layer into GF(2^4)-tower coordinates, 32
 *  ANDs for the inversion in GF(2^8), a linear bottom layer — then the rest of the round.
 *
 *  Forward (encryption rounds): inputs x0..x7 are U0 (the most significant bit, plane 7) … U7;
 *  the circuit gives L(x⁻¹) = S(x) ⊕ 0x63 (L: the linear part of the affine map; the published
 *  circuit's four NOT gates add exactly 0x63, which the encryption round keys carry instead).
 *
 *  Inverse (decryption rounds): S⁻¹(y) = (L⁻¹(y ⊕ 0x63))⁻¹. The decryption round keys carry the
 *  0x63; inputs x0..x7 are the planes b0 (bit 0) … b7 of y. The top layer here computes the
 *  same tower coordinates from b directly — the forward top layer composed with L⁻¹ — and the
 *  bottom layer gives x⁻¹ directly — L⁻¹ composed with the forward bottom layer, which turns
 *  L(x⁻¹) back into x⁻¹. Both composed layers are XOR programs found by the Boyar–Peralta
 *  shortest-linear-program heuristic over the composed matrices: 23 and 30 XORs, as many as the
 *  forward layers (Paar's greedy pairing, used before, found 29 and 35);
 *  scripts/derive-inverse-sbox-layers.mjs derives them and checks the whole inverse circuit on
 *  every byte value.
 *
 *  `mode` (a compile-time constant) says what follows in the round, done on values still in
 *  registers so that each round reads and writes the state once. */
// @ts-ignore: decorator
@inline function sboxCircuit(st: usize, rk: usize, x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128, x6: v128, x7: v128, mode: i32): void {
  const inverse = mode == MODE_DEC_ROUND || mode == MODE_DEC_LAST;
  let y1: v128, y2: v128, y3: v128, y4: v128, y5: v128, y6: v128, y7: v128, y8: v128, y9: v128, y10: v128, y11: v128;
  let y12: v128, y13: v128, y14: v128, y15: v128, y16: v128, y17: v128, y18: v128, y19: v128, y20: v128, y21: v128, U7: v128;
  if (inverse) {
    // Top linear layer composed with L⁻¹ (generated; see above).
    const b0 = x0, b1 = x1, b2 = x2, b3 = x3, b4 = x4, b5 = x5, b6 = x6, b7 = x7;
    y3 = v128.xor(b4, b7);
    y5 = v128.xor(b4, b6);
    y6 = v128.xor(b6, y3);
    y8 = v128.xor(b4, y6);
    y9 = v128.xor(b3, b4);
    y1 = v128.xor(b0, y9);
    y10 = v128.xor(y6, y1);
    y13 = v128.xor(b1, y1);
    y2 = v128.xor(y5, y13);
    y4 = v128.xor(y9, y2);
    y7 = v128.xor(b5, y4);
    y12 = v128.xor(y3, y4);
    y14 = v128.xor(b3, y6);
    y16 = v128.xor(y1, y7);
    y18 = v128.xor(b5, y9);
    y19 = v128.xor(b0, b3);
    y21 = v128.xor(b1, y7);
    const p25 = v128.xor(b2, b7);
    U7 = v128.xor(b5, p25);
    y11 = v128.xor(y4, p25);
    y15 = v128.xor(y6, U7);
    y17 = v128.xor(y10, y11);
    y20 = v128.xor(y9, y11);
  } else {
    // Top linear layer.
    const U0 = x0, U1 = x1, U2 = x2, U3 = x3, U4 = x4, U5 = x5, U6 = x6;
    U7 = x7;
    y14 = v128.xor(U3, U5); y13 = v128.xor(U0, U6); y9 = v128.xor(U0, U3); y8 = v128.xor(U0, U5);
    const t0 = v128.xor(U1, U2);
    y1 = v128.xor(t0, U7); y4 = v128.xor(y1, U3); y12 = v128.xor(y13, y14);
    y2 = v128.xor(y1, U0); y5 = v128.xor(y1, U6); y3 = v128.xor(y5, y8);
    const t1 = v128.xor(U4, y12);
    y15 = v128.xor(t1, U5); y20 = v128.xor(t1, U1); y6 = v128.xor(y15, U7); y10 = v128.xor(y15, t0);
    y11 = v128.xor(y20, y9); y7 = v128.xor(U7, y11); y17 = v128.xor(y10, y11); y19 = v128.xor(y10, y8);
    y16 = v128.xor(t0, y11); y21 = v128.xor(y13, y16); y18 = v128.xor(U0, y16);
  }
  // Middle layer: inversion in GF(2^8) through GF(2^4) and GF(2^2).
  const t2 = v128.and(y12, y15), t3 = v128.and(y3, y6), t4 = v128.xor(t3, t2), t5 = v128.and(y4, U7);
  const t6 = v128.xor(t5, t2), t7 = v128.and(y13, y16), t8 = v128.and(y5, y1), t9 = v128.xor(t8, t7);
  const t10 = v128.and(y2, y7), t11 = v128.xor(t10, t7), t12 = v128.and(y9, y11), t13 = v128.and(y14, y17);
  const t14 = v128.xor(t13, t12), t15 = v128.and(y8, y10), t16 = v128.xor(t15, t12), t17 = v128.xor(t4, t14);
  const t18 = v128.xor(t6, t16), t19 = v128.xor(t9, t14), t20 = v128.xor(t11, t16), t21 = v128.xor(t17, y20);
  const t22 = v128.xor(t18, y19), t23 = v128.xor(t19, y21), t24 = v128.xor(t20, y18), t25 = v128.xor(t21, t22);
  const t26 = v128.and(t21, t23), t27 = v128.xor(t24, t26), t28 = v128.and(t25, t27), t29 = v128.xor(t28, t22);
  const t30 = v128.xor(t23, t24), t31 = v128.xor(t22, t26), t32 = v128.and(t31, t30), t33 = v128.xor(t32, t24);
  const t34 = v128.xor(t23, t33), t35 = v128.xor(t27, t33), t36 = v128.and(t24, t35), t37 = v128.xor(t36, t34);
  const t38 = v128.xor(t27, t36), t39 = v128.and(t29, t38), t40 = v128.xor(t25, t39), t41 = v128.xor(t40, t37);
  const t42 = v128.xor(t29, t33), t43 = v128.xor(t29, t40), t44 = v128.xor(t33, t37), t45 = v128.xor(t42, t41);
  const z0 = v128.and(t44, y15), z1 = v128.and(t37, y6), z2 = v128.and(t33, U7), z3 = v128.and(t43, y16);
  const z4 = v128.and(t40, y1), z5 = v128.and(t29, y7), z6 = v128.and(t42, y11), z7 = v128.and(t45, y17);
  const z8 = v128.and(t41, y10), z9 = v128.and(t44, y12), z10 = v128.and(t37, y3), z11 = v128.and(t33, y4);
  const z12 = v128.and(t43, y13), z13 = v128.and(t40, y5), z14 = v128.and(t29, y2), z15 = v128.and(t42, y9);
  const z16 = v128.and(t45, y14), z17 = v128.and(t41, y8);
  if (inverse) {
    // Bottom linear layer composed with L⁻¹ (generated; see above): o_i is plane i of x⁻¹.
    let o0: v128, o1: v128, o2: v128, o3: v128, o4: v128, o5: v128, o6: v128, o7: v128;
    const q18 = v128.xor(z6, z15);
    const q19 = v128.xor(z12, q18);
    const q20 = v128.xor(z13, q19);
    const q21 = v128.xor(z16, q20);
    const q22 = v128.xor(z8, q21);
    const q23 = v128.xor(z3, q22);
    o7 = v128.xor(z5, q23);
    const q25 = v128.xor(z4, q23);
    const q26 = v128.xor(z1, q25);
    const q27 = v128.xor(z2, z10);
    const q28 = v128.xor(z0, q22);
    o4 = v128.xor(z2, q28);
    const q30 = v128.xor(z7, q25);
    o1 = v128.xor(z8, q30);
    const q32 = v128.xor(o7, q28);
    o2 = v128.xor(q26, q32);
    const q34 = v128.xor(z11, z17);
    const q35 = v128.xor(q26, q27);
    const q36 = v128.xor(z14, q35);
    const q37 = v128.xor(z15, q34);
    o0 = v128.xor(z9, q37);
    const q39 = v128.xor(z11, q36);
    o5 = v128.xor(z13, q39);
    const q41 = v128.xor(z6, o0);
    const q42 = v128.xor(q21, q41);
    o6 = v128.xor(o5, q42);
    const q44 = v128.xor(q34, q35);
    const q45 = v128.xor(o1, o2);
    const q46 = v128.xor(z16, q44);
    o3 = v128.xor(q45, q46);
    if (mode == MODE_DEC_ROUND) {
      invMixColumnsAddKeyOn(st, rk, o0, o1, o2, o3, o4, o5, o6, o7);
    } else {
      v128.store(st, v128.xor(o0, v128.load(rk, 0)), 0);
      v128.store(st, v128.xor(o1, v128.load(rk, 16)), 16);
      v128.store(st, v128.xor(o2, v128.load(rk, 32)), 32);
      v128.store(st, v128.xor(o3, v128.load(rk, 48)), 48);
      v128.store(st, v128.xor(o4, v128.load(rk, 64)), 64);
      v128.store(st, v128.xor(o5, v128.load(rk, 80)), 80);
      v128.store(st, v128.xor(o6, v128.load(rk, 96)), 96);
      v128.store(st, v128.xor(o7, v128.load(rk, 112)), 112);
    }
    return;
  }
  // Bottom linear layer (the published XNORs written as XOR: the missing NOTs are 0x63).
  const t46 = v128.xor(z15, z16), t47 = v128.xor(z10, z11), t48 = v128.xor(z5, z13), t49 = v128.xor(z9, z10);
  const t50 = v128.xor(z2, z12), t51 = v128.xor(z2, z5), t52 = v128.xor(z7, z8), t53 = v128.xor(z0, z3);
  const t54 = v128.xor(z6, z7), t55 = v128.xor(z16, z17), t56 = v128.xor(z12, t48), t57 = v128.xor(t50, t53);
  const t58 = v128.xor(z4, t46), t59 = v128.xor(z3, t54), t60 = v128.xor(t46, t57), t61 = v128.xor(z14, t57);
  const t62 = v128.xor(t52, t58), t63 = v128.xor(t49, t58), t64 = v128.xor(z4, t59), t65 = v128.xor(t61, t62);
  const t66 = v128.xor(z1, t63), t67 = v128.xor(t64, t65);
  const S3 = v128.xor(t53, t66);
  const S0 = v128.xor(t59, t63), S1 = v128.xor(t64, S3), S2 = v128.xor(t55, t67), S4 = v128.xor(t51, t66);
  const S5 = v128.xor(t47, t65), S6 = v128.xor(t56, t62), S7 = v128.xor(t48, t60);
  // Output bit 7-j is Sj: plane 0 = S7 … plane 7 = S0. What follows the S-box in the round is
  // done here, on values still in registers, so each round reads and writes the state once.
  if (mode == MODE_ENC_ROUND) {
    const m = shiftRowsMask();
    mixColumnsAddKey(st, rk,
      i8x16.swizzle(S7, m), i8x16.swizzle(S6, m), i8x16.swizzle(S5, m), i8x16.swizzle(S4, m),
      i8x16.swizzle(S3, m), i8x16.swizzle(S2, m), i8x16.swizzle(S1, m), i8x16.swizzle(S0, m));
  } else if (mode == MODE_ENC_LAST) {
    const m = shiftRowsMask();
    v128.store(st, v128.xor(i8x16.swizzle(S7, m), v128.load(rk, 0)), 0);
    v128.store(st, v128.xor(i8x16.swizzle(S6, m), v128.load(rk, 16)), 16);
    v128.store(st, v128.xor(i8x16.swizzle(S5, m), v128.load(rk, 32)), 32);
    v128.store(st, v128.xor(i8x16.swizzle(S4, m), v128.load(rk, 48)), 48);
    v128.store(st, v128.xor(i8x16.swizzle(S3, m), v128.load(rk, 64)), 64);
    v128.store(st, v128.xor(i8x16.swizzle(S2, m), v128.load(rk, 80)), 80);
    v128.store(st, v128.xor(i8x16.swizzle(S1, m), v128.load(rk, 96)), 96);
    v128.store(st, v128.xor(i8x16.swizzle(S0, m), v128.load(rk, 112)), 112);
  }
}

// What sboxCircuit does with its outputs (compile-time constants).
const MODE_ENC_ROUND = 0; // an encryption round: ShiftRows, MixColumns, AddRoundKey
const MODE_ENC_LAST = 1;  // the last encryption round: ShiftRows, AddRoundKey
const MODE_DEC_ROUND = 2; // a decryption round: L⁻¹, InvMixColumns, AddRoundKey
const MODE_DEC_LAST = 3;  // the last decryption round: L⁻¹, AddRoundKey

/** One encryption round after the first AddRoundKey: SubBytes (without its constant: the
 *  encryption round keys carry 0x63), ShiftRows, MixColumns (unless `last`), AddRoundKey.
 *  Inlined into encrypt8's loop (and decryptRound into decrypt8's): a call per round measured
 *  ~8 % slower — frame set-up and the memory base reloaded around ~260 instructions of work. */
// @ts-ignore: decorator
@inline function encryptRound(st: usize, rk: usize, last: bool): void {
  const U0 = v128.load(st, 112), U1 = v128.load(st, 96), U2 = v128.load(st, 80), U3 = v128.load(st, 64);
  const U4 = v128.load(st, 48), U5 = v128.load(st, 32), U6 = v128.load(st, 16), U7 = v128.load(st, 0);
  if (last) sboxCircuit(st, rk, U0, U1, U2, U3, U4, U5, U6, U7, MODE_ENC_LAST);
  else sboxCircuit(st, rk, U0, U1, U2, U3, U4, U5, U6, U7, MODE_ENC_ROUND);
}

// @ts-ignore: decorator
@inline function invShiftRowsMask(): v128 {
  return v128(0, 1, 2, 3, 7, 4, 5, 6, 10, 11, 8, 9, 13, 14, 15, 12);
}

/** One round of the equivalent inverse cipher: InvShiftRows, InvSubBytes, InvMixColumns
 *  (unless `last`), AddRoundKey. InvShiftRows and InvSubBytes commute (one permutes bytes,
 *  the other maps each byte). InvSubBytes goes through the forward circuit:
 *  S⁻¹(y) = (L⁻¹(y ⊕ 0x63))⁻¹ — the 0x63 is already in the state (decryption round keys carry
 *  it), L⁻¹ is applied to the circuit's inputs here, and the circuit's output L(x⁻¹) goes
 *  through L⁻¹ again in sboxCircuit to give x⁻¹. */
// @ts-ignore: decorator
@inline function decryptRound(st: usize, rk: usize, last: bool): void {
  const m = invShiftRowsMask();
  const b0 = i8x16.swizzle(v128.load(st, 0), m), b1 = i8x16.swizzle(v128.load(st, 16), m);
  const b2 = i8x16.swizzle(v128.load(st, 32), m), b3 = i8x16.swizzle(v128.load(st, 48), m);
  const b4 = i8x16.swizzle(v128.load(st, 64), m), b5 = i8x16.swizzle(v128.load(st, 80), m);
  const b6 = i8x16.swizzle(v128.load(st, 96), m), b7 = i8x16.swizzle(v128.load(st, 112), m);
  if (last) sboxCircuit(st, rk, b0, b1, b2, b3, b4, b5, b6, b7, MODE_DEC_LAST);
  else sboxCircuit(st, rk, b0, b1, b2, b3, b4, b5, b6, b7, MODE_DEC_ROUND);
}

// ---- ShiftRows and MixColumns on planes ------------------------------------------------------

/** ShiftRows: row r (lanes 4r..4r+3) rotates left by r columns. */
// @ts-ignore: decorator
@inline function shiftRowsMask(): v128 {
  return v128(0, 1, 2, 3, 5, 6, 7, 4, 10, 11, 8, 9, 15, 12, 13, 14);
}

/** Row r+1 moved to row r (32-bit lane rotation). */
// @ts-ignore: decorator
@inline function nextRow(q: v128): v128 { return i32x4.shuffle(q, q, 1, 2, 3, 0); }
/** Row r+2 moved to row r (swap of the 64-bit halves). */
// @ts-ignore: decorator
@inline function rowPlusTwo(q: v128): v128 { return i32x4.shuffle(q, q, 2, 3, 0, 1); }

/** MixColumns on planes q0..q7 followed by AddRoundKey (`rk`), stored at `st`. For every
 *  column, new row r = 2·s[r] ⊕ 3·s[r+1] ⊕ s[r+2] ⊕ s[r+3] = x·a[r] ⊕ s[r+1] ⊕ a[r+2] with
 *  a[r] = s[r] ⊕ s[r+1]. Multiplying by x in GF(2^8) on planes moves plane i to plane i+1
 *  and feeds the old top plane back into planes 0, 1, 3 and 4 (x^8 = x^4 + x^3 + x + 1). */
// @ts-ignore: decorator
@inline function mixColumnsAddKey(st: usize, rk: usize, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128): void {
  const r0 = nextRow(q0), r1 = nextRow(q1), r2 = nextRow(q2), r3 = nextRow(q3);
  const r4 = nextRow(q4), r5 = nextRow(q5), r6 = nextRow(q6), r7 = nextRow(q7);
  const a0 = v128.xor(q0, r0), a1 = v128.xor(q1, r1), a2 = v128.xor(q2, r2), a3 = v128.xor(q3, r3);
  const a4 = v128.xor(q4, r4), a5 = v128.xor(q5, r5), a6 = v128.xor(q6, r6), a7 = v128.xor(q7, r7);
  v128.store(st, v128.xor(v128.xor(v128.xor(a7, r0), rowPlusTwo(a0)), v128.load(rk, 0)), 0);
  v128.store(st, v128.xor(v128.xor(v128.xor(v128.xor(a0, a7), r1), rowPlusTwo(a1)), v128.load(rk, 16)), 16);
  v128.store(st, v128.xor(v128.xor(v128.xor(a1, r2), rowPlusTwo(a2)), v128.load(rk, 32)), 32);
  v128.store(st, v128.xor(v128.xor(v128.xor(v128.xor(a2, a7), r3), rowPlusTwo(a3)), v128.load(rk, 48)), 48);
  v128.store(st, v128.xor(v128.xor(v128.xor(v128.xor(a3, a7), r4), rowPlusTwo(a4)), v128.load(rk, 64)), 64);
  v128.store(st, v128.xor(v128.xor(v128.xor(a4, r5), rowPlusTwo(a5)), v128.load(rk, 80)), 80);
  v128.store(st, v128.xor(v128.xor(v128.xor(a5, r6), rowPlusTwo(a6)), v128.load(rk, 96)), 96);
  v128.store(st, v128.xor(v128.xor(v128.xor(a6, r7), rowPlusTwo(a7)), v128.load(rk, 112)), 112);
}

/** InvMixColumns followed by AddRoundKey with an InvMixColumns-transformed key (the FIPS-197
 *  "equivalent inverse cipher": InvMixColumns(s ⊕ k) = InvMixColumns(s) ⊕ InvMixColumns(k)).
 *  With ρ = nextRow (row r+1 moved to row r), new row r = 14·s[r] ⊕ 11·s[r+1] ⊕ 13·s[r+2] ⊕
 *  9·s[r+3] is A ⊕ ρ²(B) with A = 14·q ⊕ 11·ρq and B = 13·q ⊕ 9·ρq, like MixColumns'
 *  x·a ⊕ ρq ⊕ ρ²(a): one row rotation of the input and one of B, 16 shuffles in all (as
 *  MixColumns ∘ (04·x² ⊕ 05), which this replaced, it took 24: 8 more for the pre-step's
 *  rotation by two rows). A and B share their work: with s = q ⊕ ρq and C = x·s ⊕ q
 *  (= 3·q ⊕ 2·ρq), B = s ⊕ x²·C (= 13·q ⊕ 9·ρq) and A = B ⊕ C (= 14·q ⊕ 11·ρq): 56 XORs with
 *  the key, as before. Multiplying by x (x²) on planes moves plane i to plane i+1 (i+2); the
 *  planes carried out feed back through x^8 = x^4 + x^3 + x + 1 (planes 0, 1, 3, 4) and
 *  x^9 = x^5 + x^4 + x^2 + x (planes 1, 2, 4, 5). */
function invMixColumnsAddKey(st: usize, rk: usize): void {
  invMixColumnsAddKeyOn(st, rk,
    v128.load(st, 0), v128.load(st, 16), v128.load(st, 32), v128.load(st, 48),
    v128.load(st, 64), v128.load(st, 80), v128.load(st, 96), v128.load(st, 112));
}

// @ts-ignore: decorator
@inline function invMixColumnsAddKeyOn(st: usize, rk: usize, q0: v128, q1: v128, q2: v128, q3: v128, q4: v128, q5: v128, q6: v128, q7: v128): void {
  const s0 = v128.xor(q0, nextRow(q0)), s1 = v128.xor(q1, nextRow(q1)), s2 = v128.xor(q2, nextRow(q2)), s3 = v128.xor(q3, nextRow(q3));
  const s4 = v128.xor(q4, nextRow(q4)), s5 = v128.xor(q5, nextRow(q5)), s6 = v128.xor(q6, nextRow(q6)), s7 = v128.xor(q7, nextRow(q7));
  const c0 = v128.xor(q0, s7), c1 = v128.xor(q1, v128.xor(s0, s7)), c2 = v128.xor(q2, s1), c3 = v128.xor(q3, v128.xor(s2, s7));
  const c4 = v128.xor(q4, v128.xor(s3, s7)), c5 = v128.xor(q5, s4), c6 = v128.xor(q6, s5), c7 = v128.xor(q7, s6);
  const c67 = v128.xor(c6, c7);
  const b0 = v128.xor(s0, c6), b1 = v128.xor(s1, c67), b2 = v128.xor(s2, v128.xor(c0, c7)), b3 = v128.xor(s3, v128.xor(c1, c6));
  const b4 = v128.xor(s4, v128.xor(c2, c67)), b5 = v128.xor(s5, v128.xor(c3, c7)), b6 = v128.xor(s6, c4), b7 = v128.xor(s7, c5);
  v128.store(st, v128.xor(v128.xor(v128.xor(b0, c0), rowPlusTwo(b0)), v128.load(rk, 0)), 0);
  v128.store(st, v128.xor(v128.xor(v128.xor(b1, c1), rowPlusTwo(b1)), v128.load(rk, 16)), 16);
  v128.store(st, v128.xor(v128.xor(v128.xor(b2, c2), rowPlusTwo(b2)), v128.load(rk, 32)), 32);
  v128.store(st, v128.xor(v128.xor(v128.xor(b3, c3), rowPlusTwo(b3)), v128.load(rk, 48)), 48);
  v128.store(st, v128.xor(v128.xor(v128.xor(b4, c4), rowPlusTwo(b4)), v128.load(rk, 64)), 64);
  v128.store(st, v128.xor(v128.xor(v128.xor(b5, c5), rowPlusTwo(b5)), v128.load(rk, 80)), 80);
  v128.store(st, v128.xor(v128.xor(v128.xor(b6, c6), rowPlusTwo(b6)), v128.load(rk, 96)), 96);
  v128.store(st, v128.xor(v128.xor(v128.xor(b7, c7), rowPlusTwo(b7)), v128.load(rk, 112)), 112);
}

// ---- round keys ------------------------------------------------------------------------------

/** One 16-byte round key (FIPS-197 byte order) → eight planes at `out`: lane j of plane i is
 *  all ones when bit i of row-major byte j is set (`i8x16.eq` on a masked copy — no branch),
 *  so that XORing a plane adds that key bit to the same byte of all eight blocks. `constant`
 *  (0x63 or 0) is XORed into every byte first. */
function roundKeyToPlanes(rk: usize, constant: i32, out: usize): void {
  const k = v128.xor(toRowMajor(v128.load(rk), rowMajorMask()), i8x16.splat(<i8>constant));
  for (let i = 0; i < 8; i++) {
    const bit = i8x16.splat(<i8>(<i32>1 << i));
    v128.store(out + (<usize>i << 4), i8x16.eq(v128.and(k, bit), bit));
  }
}

const ZERO_PLANES: usize = memory.data(128, 16);

/** XORs a byte constant into every byte of a plane-form key (planes of set bits get all ones). */
function addConstantToPlanes(planes: usize, constant: i32): void {
  for (let i = 0; i < 8; i++) {
    const mask = i8x16.splat(<i8>(0 - ((constant >> i) & 1)));
    v128.store(planes + (<usize>i << 4), v128.xor(v128.load(planes + (<usize>i << 4)), mask));
  }
}

/** Standard round keys (rounds+1 × 16 bytes) → encryption planes (0x63 folded into keys 1..Nr,
 *  cancelling the constant subBytesWithoutConstant leaves out) and decryption planes (keys
 *  1..Nr carry the 0x63 that the inverse S-box needs in its input; keys 1..Nr-1 pass through
 *  InvMixColumns for the equivalent inverse cipher — it is linear, so applying it to key
 *  planes gives the planes of the transformed key). */
export function planeKeySchedule(roundKeys: usize, rounds: i32, encOut: usize, decOut: usize): void {
  for (let r = 0; r <= rounds; r++) {
    const rk = roundKeys + (<usize>r << 4);
    roundKeyToPlanes(rk, r == 0 ? 0 : 0x63, encOut + (<usize>r << 7));
    const dk = decOut + (<usize>r << 7);
    // Decryption keys 1..Nr carry 0x63 (added after the InvMixColumns transform), which
    // invShiftRowsSubBytes expects in its input; key 0 ends the cipher and carries nothing.
    roundKeyToPlanes(rk, 0, dk);
    if (r > 0 && r < rounds) invMixColumnsAddKey(dk, ZERO_PLANES);
    if (r > 0) addConstantToPlanes(dk, 0x63);
  }
}

// ---- the cipher --------------------------------------------------------------------------------

/** The planes of the batches in flight: 128 bytes per batch, up to MAX_BATCHES. They hold key-
 *  and data-dependent values after a call; the host wipes them (bitslicedWipe, through
 *  wipeScratch) at the end of every call rather than after every batch. */
export const MAX_BATCHES: i32 = 4;
const STATES: usize = memory.data(128 * MAX_BATCHES, 16);

export function bitslicedWipe(): void {
  memory.fill(STATES, 0, 128 * MAX_BATCHES);
}

// Several batches go through the rounds together: round r of batch 0, of batch 1, …, then
// round r+1. One batch's round is ~260 instructions (the S-box circuit, MixColumns, the key;
// ~50 of them XMM spills) in one chain of dependent steps — round r+1 needs all of round r —
// and alone it leaves the core waiting on that chain. The same round of the next, independent
// batch right behind it gives the core work that does not wait. The batches share one copy of
// the round code (a loop over their states), so the wasm does not grow with their number.
// Measured (XTS, alternately in one process, CPU time): two batches at a time encrypt
// +13–16 %, decrypt +4–8 % faster than one; four the same as two; eight 8 % slower than four.
// Constant time: the same operations on every state; the loop bounds are the public round
// count and batch count (from the data length), never the key or the data.

/** Encrypts `n` (1..MAX_BATCHES) batches of eight 16-byte blocks at `buf` in place under
 *  encryption planes `planes`. */
export function encryptBatches(planes: usize, rounds: i32, buf: usize, n: i32): void {
  const end = STATES + (<usize>n << 7);
  for (let st = STATES, b = buf; st < end; st += 128, b += 128) bitsliceAddKey(b, st, planes);
  for (let r = 1; r < rounds; r++) {
    const rk = planes + (<usize>r << 7);
    for (let st = STATES; st < end; st += 128) encryptRound(st, rk, false);
  }
  const rk = planes + (<usize>rounds << 7);
  for (let st = STATES; st < end; st += 128) encryptRound(st, rk, true);
  for (let st = STATES, b = buf; st < end; st += 128, b += 128) unbitslice(st, b);
}

/** Decrypts `n` (1..MAX_BATCHES) batches at `buf` in place under decryption planes `planes`
 *  (the FIPS-197 inverse cipher: round keys in reverse order). */
export function decryptBatches(planes: usize, rounds: i32, buf: usize, n: i32): void {
  const end = STATES + (<usize>n << 7);
  const first = planes + (<usize>rounds << 7);
  for (let st = STATES, b = buf; st < end; st += 128, b += 128) bitsliceAddKey(b, st, first);
  for (let r = rounds - 1; r > 0; r--) {
    const rk = planes + (<usize>r << 7);
    for (let st = STATES; st < end; st += 128) decryptRound(st, rk, false);
  }
  for (let st = STATES; st < end; st += 128) decryptRound(st, planes, true);
  for (let st = STATES, b = buf; st < end; st += 128, b += 128) unbitslice(st, b);
}
