// Derives the two linear layers of the inverse S-box in assembly/aes-bitsliced.ts and checks
// the whole inverse circuit on all 256 byte values. Run: node scripts/derive-inverse-sbox-layers.mjs
//
// The decryption rounds reuse the middle (non-linear) layer of the Boyar–Peralta forward
// circuit. S⁻¹(y) = (L⁻¹(y ⊕ 0x63))⁻¹ and the forward circuit computes L(x⁻¹), so
//   top'    = forward top layer ∘ L⁻¹   (8 input planes → the 22 signals the middle layer reads)
//   bottom' = L⁻¹ ∘ forward bottom layer (the 18 products → the 8 output planes of x⁻¹)
// Both are GF(2) matrices; this script finds short XOR programs for them with the Boyar–Peralta
// heuristic (boyarPeralta below), keeping the shortest of a few seeded randomised tie-breaks.
// It prints the AssemblyScript statements pasted into sboxCircuit.

/** Forward top layer (Boyar–Peralta): inputs U0 (msb) … U7 as bit masks → named signals. */
function forwardTop(U) {
  const y = {};
  y[14] = U[3] ^ U[5];
  y[13] = U[0] ^ U[6];
  y[9] = U[0] ^ U[3];
  y[8] = U[0] ^ U[5];
  const t0 = U[1] ^ U[2];
  y[1] = t0 ^ U[7];
  y[4] = y[1] ^ U[3];
  y[12] = y[13] ^ y[14];
  y[2] = y[1] ^ U[0];
  y[5] = y[1] ^ U[6];
  y[3] = y[5] ^ y[8];
  const t1 = U[4] ^ y[12];
  y[15] = t1 ^ U[5];
  y[20] = t1 ^ U[1];
  y[6] = y[15] ^ U[7];
  y[10] = y[15] ^ t0;
  y[11] = y[20] ^ y[9];
  y[7] = U[7] ^ y[11];
  y[17] = y[10] ^ y[11];
  y[19] = y[10] ^ y[8];
  y[16] = t0 ^ y[11];
  y[21] = y[13] ^ y[16];
  y[18] = U[0] ^ y[16];
  const out = { U7: U[7] };
  for (const k of Object.keys(y)) out[`y${k}`] = y[k];
  return out;
}

/** Forward bottom layer: products z0 … z17 as bit masks → S0 (msb) … S7 without the NOTs. */
function forwardBottom(z) {
  const t46 = z[15] ^ z[16],
    t47 = z[10] ^ z[11],
    t48 = z[5] ^ z[13],
    t49 = z[9] ^ z[10];
  const t50 = z[2] ^ z[12],
    t51 = z[2] ^ z[5],
    t52 = z[7] ^ z[8],
    t53 = z[0] ^ z[3];
  const t54 = z[6] ^ z[7],
    t55 = z[16] ^ z[17],
    t56 = z[12] ^ t48,
    t57 = t50 ^ t53;
  const t58 = z[4] ^ t46,
    t59 = z[3] ^ t54,
    t60 = t46 ^ t57,
    t61 = z[14] ^ t57;
  const t62 = t52 ^ t58,
    t63 = t49 ^ t58,
    t64 = z[4] ^ t59,
    t65 = t61 ^ t62;
  const t66 = z[1] ^ t63,
    t67 = t64 ^ t65,
    S3 = t53 ^ t66;
  return [t59 ^ t63, t64 ^ S3, t55 ^ t67, S3, t51 ^ t66, t47 ^ t65, t56 ^ t62, t48 ^ t60];
}

/** L⁻¹ bit i = b(i+2) ⊕ b(i+5) ⊕ b(i+7) as masks over bits b0..b7. */
const inverseAffineRows = Array.from(
  { length: 8 },
  (_, i) => (1 << ((i + 2) % 8)) | (1 << ((i + 5) % 8)) | (1 << ((i + 7) % 8)),
);

function seededRandom(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The Boyar–Peralta shortest-linear-program heuristic (Boyar, Matthews & Peralta, "Logic
 *  minimization techniques with applications to cryptology", 2013): keep a base of signals (the
 *  inputs first); for every target, its distance is the fewest XORs of base signals that give
 *  it; add the XOR of the two base signals that lowers the sum of distances most (a target one
 *  XOR away is taken at once; ties go to the largest sum of squared distances, then to `random`).
 *  Distances come from a breadth-first search over all 2^n sums of base signals (n ≤ 18 here).
 *  Where Paar's greedy pairing found 29 and 35 XORs for these two layers, this finds 23 and 30.
 *  targets: name → mask over n inputs. Returns { program: [index, a, b][], result: name → index }. */
function boyarPeralta(targets, n, random) {
  const names = Object.keys(targets);
  const goal = names.map((k) => Number(targets[k]));
  const base = Array.from({ length: n }, (_, i) => 1 << i);
  const program = [];
  const terms = new Uint8Array(1 << n); // fewest base signals summing to a value (255: not reached)
  const search = () => {
    terms.fill(255);
    terms[0] = 0;
    for (let frontier = [0], depth = 1; frontier.length; depth++) {
      const next = [];
      for (const v of frontier)
        for (const b of base)
          if (terms[v ^ b] === 255) {
            terms[v ^ b] = depth;
            next.push(v ^ b);
          }
      frontier = next;
    }
  };
  const distance = (v) => terms[v] - 1; // XORs to reach v; -1 for 0 (v is the new signal itself)
  while (goal.some((f) => !base.includes(f))) {
    search();
    const now = goal.map(distance);
    let pick = null;
    for (let i = 0; i < goal.length && !pick; i++)
      if (now[i] === 1)
        for (let a = 0; a < base.length && !pick; a++) {
          const b = base.indexOf(base[a] ^ goal[i]);
          if (b > a) pick = [a, b];
        }
    if (!pick) {
      let bestSum = Infinity,
        bestNorm = -1,
        candidates = [];
      for (let a = 0; a < base.length; a++)
        for (let b = a + 1; b < base.length; b++) {
          const s = base[a] ^ base[b];
          if (base.includes(s)) continue;
          let sum = 0,
            norm = 0;
          for (let i = 0; i < goal.length; i++) {
            const d = Math.min(now[i], 1 + distance(goal[i] ^ s));
            sum += d;
            norm += d * d;
          }
          if (sum < bestSum || (sum === bestSum && norm > bestNorm)) {
            bestSum = sum;
            bestNorm = norm;
            candidates = [];
          }
          if (sum === bestSum && norm === bestNorm) candidates.push([a, b]);
        }
      pick = candidates[Math.floor(random() * candidates.length)];
    }
    base.push(base[pick[0]] ^ base[pick[1]]);
    program.push([base.length - 1, pick[0], pick[1]]);
  }
  const result = Object.fromEntries(names.map((k, i) => [k, base.indexOf(goal[i])]));
  return { program, result };
}

function shortest(targets, n, tries) {
  const random = seededRandom(1619);
  let best = null;
  for (let t = 0; t < tries; t++) {
    const candidate = boyarPeralta(targets, n, random);
    if (!best || candidate.program.length < best.program.length) best = candidate;
  }
  return best;
}

/** AssemblyScript statements: targets assigned to pre-declared locals, temporaries as consts. */
function emit({ program, result }, inputName, tempName) {
  const names = new Map();
  const targetOf = new Map();
  for (const [k, i] of Object.entries(result)) if (!targetOf.has(i)) targetOf.set(i, k);
  const name = (i) => names.get(i) ?? `${inputName}${i}`;
  const lines = [];
  for (const [index, a, b] of program) {
    const target = targetOf.get(index);
    const own = target ?? `${tempName}${index}`;
    lines.push(`${target ? '' : 'const '}${own} = v128.xor(${name(a)}, ${name(b)});`);
    names.set(index, own);
  }
  for (const [k, i] of Object.entries(result)) if (name(i) !== k) lines.push(`${k} = ${name(i)};`);
  return lines;
}

// ---- derive ----
const U = Array.from({ length: 8 }, (_, j) => inverseAffineRows[7 - j]);
const top = shortest(forwardTop(U), 8, 50);
const S = forwardBottom(Array.from({ length: 18 }, (_, i) => 1 << i));
const sBit = (k) => S[7 - k];
const bottomTargets = Object.fromEntries(
  Array.from({ length: 8 }, (_, i) => [`o${i}`, sBit((i + 2) % 8) ^ sBit((i + 5) % 8) ^ sBit((i + 7) % 8)]),
);
const bottom = shortest(bottomTargets, 18, 8);

// ---- check the whole inverse circuit on every byte, bit by bit ----
function gfMul(a, b) {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const h = a & 0x80;
    a = (a << 1) & 0xff;
    if (h) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}
const inverse = (x) => {
  if (x === 0) return 0;
  for (let y = 1; y < 256; y++) if (gfMul(x, y) === 1) return y;
  return 0;
};
const sbox = (x) => {
  const b = inverse(x);
  let s = 0;
  for (let i = 0; i < 8; i++)
    s |=
      (((b >> i) ^
        (b >> ((i + 4) % 8)) ^
        (b >> ((i + 5) % 8)) ^
        (b >> ((i + 6) % 8)) ^
        (b >> ((i + 7) % 8)) ^
        (0x63 >> i)) &
        1) <<
      i;
  return s;
};
function run(prog, inputs) {
  const v = [...inputs];
  for (const [i, a, b] of prog.program) v[i] = v[a] ^ v[b];
  return Object.fromEntries(Object.entries(prog.result).map(([k, i]) => [k, v[i]]));
}
function middle(y, U7) {
  const t2 = y.y12 & y.y15,
    t3 = y.y3 & y.y6,
    t4 = t3 ^ t2,
    t5 = y.y4 & U7,
    t6 = t5 ^ t2,
    t7 = y.y13 & y.y16,
    t8 = y.y5 & y.y1,
    t9 = t8 ^ t7;
  const t10 = y.y2 & y.y7,
    t11 = t10 ^ t7,
    t12 = y.y9 & y.y11,
    t13 = y.y14 & y.y17,
    t14 = t13 ^ t12,
    t15 = y.y8 & y.y10,
    t16 = t15 ^ t12;
  const t17 = t4 ^ t14,
    t18 = t6 ^ t16,
    t19 = t9 ^ t14,
    t20 = t11 ^ t16,
    t21 = t17 ^ y.y20,
    t22 = t18 ^ y.y19,
    t23 = t19 ^ y.y21,
    t24 = t20 ^ y.y18;
  const t25 = t21 ^ t22,
    t26 = t21 & t23,
    t27 = t24 ^ t26,
    t28 = t25 & t27,
    t29 = t28 ^ t22,
    t30 = t23 ^ t24,
    t31 = t22 ^ t26,
    t32 = t31 & t30;
  const t33 = t32 ^ t24,
    t34 = t23 ^ t33,
    t35 = t27 ^ t33,
    t36 = t24 & t35,
    t37 = t36 ^ t34,
    t38 = t27 ^ t36,
    t39 = t29 & t38,
    t40 = t25 ^ t39;
  const t41 = t40 ^ t37,
    t42 = t29 ^ t33,
    t43 = t29 ^ t40,
    t44 = t33 ^ t37,
    t45 = t42 ^ t41;
  return [
    t44 & y.y15,
    t37 & y.y6,
    t33 & U7,
    t43 & y.y16,
    t40 & y.y1,
    t29 & y.y7,
    t42 & y.y11,
    t45 & y.y17,
    t41 & y.y10,
    t44 & y.y12,
    t37 & y.y3,
    t33 & y.y4,
    t43 & y.y13,
    t40 & y.y5,
    t29 & y.y2,
    t42 & y.y9,
    t45 & y.y14,
    t41 & y.y8,
  ];
}
let bad = 0;
for (let x = 0; x < 256; x++) {
  const y = sbox(x) ^ 0x63; // the decryption round keys carry the 0x63
  const planes = Array.from({ length: 8 }, (_, i) => (y >> i) & 1);
  const signals = run(top, planes);
  const z = middle(signals, signals.U7);
  const o = run(bottom, z);
  let out = 0;
  for (let i = 0; i < 8; i++) out |= o[`o${i}`] << i;
  if (out !== x) bad++;
}
if (bad) throw new Error(`inverse circuit wrong for ${bad} byte values`);
console.log(
  `// top layer ∘ L⁻¹: ${top.program.length} XORs; L⁻¹ ∘ bottom layer: ${bottom.program.length} XORs; all 256 bytes checked`,
);
console.log('// top:\n' + emit(top, 'b', 'p').join('\n'));
console.log('// bottom:\n' + emit(bottom, 'z', 'q').join('\n'));
