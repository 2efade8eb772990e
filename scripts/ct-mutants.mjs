#!/usr/bin/env node
// Proof that the constant-time check can fail: plants four leaks, one at a time, in a scratch
// copy of the real AssemblyScript sources, builds each with the shipped asc config (both
// targets, --debug for names only), runs the check with the shipped policy, and requires each
// to fail with the expected kind in the expected function. A patch whose anchor text is gone
// from the sources fails too, so a mutant cannot silently stop planting anything.
//
//   node scripts/ct-mutants.mjs [--json]          (npm run check:ct:mutants, run by .ci/run)
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { analyse } from './ct/analyse.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

/** FIPS-197 S-box, computed (inverse in GF(2^8), then the affine map), for the table mutant. */
function sbox() {
  const out = new Array(256);
  const mul = (a, b) => {
    let p = 0;
    for (let i = 0; i < 8; i++) {
      if (b & 1) p ^= a;
      a = (a << 1) ^ (a & 0x80 ? 0x11b : 0);
      b >>= 1;
    }
    return p;
  };
  for (let x = 0; x < 256; x++) {
    let inv = 0;
    for (let y = 1; y < 256 && x; y++) if (mul(x, y) === 1) inv = y;
    let s = inv;
    for (let k = 1; k < 5; k++) s ^= ((inv << k) | (inv >> (8 - k))) & 0xff;
    out[x] = s ^ 0x63;
  }
  return out;
}

export const MUTANTS = [
  {
    name: 'A table lookup indexed by a state byte',
    file: 'key-expansion.ts',
    patches: [
      [
        'import { subWord } from "./aes-ct64";',
        `const SBOX: usize = memory.data<u8>([${sbox().join(', ')}]);
function subWord(x: u32): u32 {
  return <u32>load<u8>(SBOX + (x & 0xFF)) | (<u32>load<u8>(SBOX + ((x >> 8) & 0xFF)) << 8)
       | (<u32>load<u8>(SBOX + ((x >> 16) & 0xFF)) << 16) | (<u32>load<u8>(SBOX + (x >> 24)) << 24);
}`,
      ],
    ],
    kind: 'load-address',
    where: /key-expansion|aes\/aesSetKey/,
  },
  {
    name: 'B early exit on tag mismatch',
    file: 'gcm.ts',
    patches: [
      [
        /export function gcmVerify\(ptr: usize\): i32 \{[^}]*\}/,
        `const MUTANT_TAG: usize = memory.data(16, 16);
export function gcmVerify(ptr: usize): i32 {
  gcmTag(MUTANT_TAG);
  for (let i: usize = 0; i < 16; i++) {
    if (load<u8>(ptr + i) != load<u8>(MUTANT_TAG + i)) return 0;
  }
  return 1;
}`,
      ],
    ],
    kind: 'branch',
    where: /gcm\/gcmVerify/,
  },
  {
    name: 'C ternary that compiles to select',
    file: 'xts.ts',
    patches: [
      [
        'tweakLo = (tweakLo << 1) ^ (0x87 & (0 - carry));',
        'tweakLo = (tweakLo << 1) ^ (carry != 0 ? <u64>0x87 : <u64>0);',
      ],
    ],
    kind: 'select',
    where: /xts\//,
  },
  {
    name: 'D key byte stored into the public word',
    file: 'aes.ts',
    patches: [['store<i32>(slot, rounds);', 'store<i32>(slot, rounds | (<i32>load<u8>(KEY_INPUT) << 8));']],
    kind: 'public-region-store',
    where: /aes\/aesSetKey/,
  },
];

function plant(dir, m) {
  const file = join(dir, 'assembly', m.file);
  let src = readFileSync(file, 'utf8');
  for (const [from, to] of m.patches) {
    const found = typeof from === 'string' ? src.includes(from) : from.test(src);
    if (!found)
      throw new Error(
        `mutant ${m.name}: anchor ${from} is no longer in assembly/${m.file}; update scripts/ct-mutants.mjs`,
      );
    src = src.replace(from, to);
  }
  writeFileSync(file, src);
}

async function buildAndCheck(m, target, policy) {
  const dir = mkdtempSync(join(tmpdir(), 'atrest-ct-mutant-'));
  try {
    cpSync(join(ROOT, 'assembly'), join(dir, 'assembly'), { recursive: true });
    cpSync(join(ROOT, 'asconfig.json'), join(dir, 'asconfig.json'));
    plant(dir, m);
    const out = join(dir, 'mutant.wasm');
    await run(
      join(ROOT, 'node_modules/.bin/asc'),
      [
        '--config',
        'asconfig.json',
        '--target',
        target,
        '--debug',
        '--outFile',
        out,
        '--textFile',
        join(dir, 'mutant.wat'),
      ],
      { cwd: dir },
    );
    const r = analyse(new Uint8Array(readFileSync(out)), policy);
    const hits = r.findings.filter((f) => f.kind === m.kind && m.where.test(f.function));
    return {
      mutant: m.name,
      target,
      expected: m.kind,
      caught: !r.pass && hits.length > 0,
      hits: hits.length,
      kinds: [...new Set(r.findings.map((f) => f.kind))],
      first: hits[0] || r.findings[0] || null,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const started = performance.now();
  const json = process.argv.includes('--json');
  const policy = JSON.parse(readFileSync(join(ROOT, 'scripts/ct-policy.json'), 'utf8'));
  const jobs = MUTANTS.flatMap((m) => ['simd', 'nosimd'].map((t) => [m, t]));
  const results = [];
  // Two builds at a time: asc is single-threaded and the machine has two cores.
  for (let i = 0; i < jobs.length; i += 2)
    results.push(...(await Promise.all(jobs.slice(i, i + 2).map(([m, t]) => buildAndCheck(m, t, policy)))));
  const ok = results.every((r) => r.caught);
  if (json) console.log(JSON.stringify({ pass: ok, ms: Math.round(performance.now() - started), results }, null, 2));
  else {
    for (const r of results) {
      console.log(
        `${r.caught ? 'caught' : 'MISSED'} ${r.mutant} [${r.target}]: expected ${r.expected}, got ${r.hits} in the planted function; kinds ${r.kinds.join(', ') || 'none'}`,
      );
      if (r.first)
        console.log(
          `    ${r.first.kind} ${r.first.function}: ${r.first.instruction.slice(0, 160)}  (secret from ${r.first.origin})`,
        );
    }
    console.log(
      `${ok ? 'PASS' : 'FAIL'} ct mutants: ${results.filter((r) => r.caught).length}/${results.length} caught in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  process.exitCode = ok ? 0 : 1;
}

main().catch((err) => {
  console.error(`ct-mutants: ${err.message}`);
  process.exitCode = 1;
});
