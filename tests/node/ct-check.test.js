// Node only: the constant-time check (scripts/ct/analyse.mjs, scripts/ct-check.mjs) on small
// hand-written modules, one per finding kind, plus the negative cases that a sloppy analysis
// gets wrong (a public loop bound, a local reused for a secret and then a counter, a secret
// select value under a public condition, the declared public slot word). The planted leaks in
// the real sources are scripts/ct-mutants.mjs, run by .ci/run (they need eight asc builds).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { analyse } from '../../scripts/ct/analyse.mjs';
import { codeDifference, shippedBytes } from '../../scripts/ct/input.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** WAT → wasm bytes through binaryen, the library the check itself parses with. */
function wat(text) {
  const m = binaryen.parseText(`(module (memory (export "memory") 1) ${text})`);
  try {
    m.setFeatures(binaryen.Features.All);
    if (!m.validate()) throw new Error('test module does not validate');
    binaryen.setDebugInfo(true); // keep $names (a name section), as the --debug twin does
    return m.emitBinary();
  } finally {
    binaryen.setDebugInfo(false);
    m.dispose();
  }
}
const kinds = (r) => r.findings.map((f) => f.kind).sort();
const check = (text, policy = null) => analyse(wat(text), policy);
const fails = (text, kind, policy) => {
  const r = check(text, policy);
  assert.not.ok(r.pass, `expected a ${kind} failure`);
  assert.equal(kinds(r), [kind], JSON.stringify(r.findings, null, 1));
  return r;
};
const passes = (text, policy) => {
  const r = check(text, policy);
  assert.equal(r.findings, [], 'expected no finding');
  assert.ok(r.pass);
  return r;
};
/** A policy with one public word at slot+[0,4), for the role and region tests. */
const slotPolicy = (exports, extra = {}) => ({
  publicMemory: [{ name: 'slot.rounds', base: 'slot', from: 0, to: 4 }],
  exports,
  declassifiedResults: {},
  allow: {},
  ...extra,
});

const kindsSuite = suite('ct check: every failing kind');

kindsSuite('br_if on a loaded value', () => {
  const r = fails(`(func (export "f") (param i32) (block $b (br_if $b (i32.load (local.get 0)))))`, 'branch');
  assert.match(r.findings[0].origin, /load32/);
});
kindsSuite('if on a loaded value', () => {
  fails(`(func (export "f") (param i32) (if (i32.load8_u (local.get 0)) (then (nop))))`, 'branch');
});
kindsSuite('br_table on a loaded value', () => {
  fails(`(func (export "f") (param i32) (block $a (block $b (br_table $a $b (i32.load (local.get 0))))))`, 'branch');
});
kindsSuite('select condition (its own kind)', () => {
  fails(
    `(func (export "f") (param i32) (drop (select (i32.const 1) (i32.const 2) (i32.load (local.get 0)))))`,
    'select',
  );
});
kindsSuite('table lookup: load address from a loaded byte', () => {
  fails(`(func (export "f") (param i32) (drop (i32.load8_u offset=1024 (i32.load8_u (local.get 0)))))`, 'load-address');
});
kindsSuite('store address from a loaded value', () => {
  fails(`(func (export "f") (param i32) (i32.store (i32.load (local.get 0)) (i32.const 0)))`, 'store-address');
});
kindsSuite('memory.copy destination and source', () => {
  fails(
    `(func (export "f") (param i32) (memory.copy (i32.load (local.get 0)) (i32.const 0) (i32.const 16)))`,
    'store-address',
  );
  fails(
    `(func (export "f") (param i32) (memory.copy (i32.const 64) (i32.load (local.get 0)) (i32.const 16)))`,
    'load-address',
  );
});
kindsSuite('memory.fill destination', () => {
  fails(
    `(func (export "f") (param i32) (memory.fill (i32.load (local.get 0)) (i32.const 0) (i32.const 16)))`,
    'store-address',
  );
});
kindsSuite('call_indirect index', () => {
  fails(
    `(type $t (func)) (table 1 funcref) (elem (i32.const 0) $g) (func $g)
     (func (export "f") (param i32) (call_indirect (type $t) (i32.load (local.get 0))))`,
    'call-indirect-index',
  );
});
kindsSuite('div_u and rem_s operands', () => {
  fails(
    `(func (export "f") (param i32) (drop (i32.div_u (i32.const 100) (i32.load (local.get 0)))))`,
    'variable-time-op',
  );
  fails(
    `(func (export "f") (param i32) (drop (i64.rem_s (i64.load (local.get 0)) (i64.const 7))))`,
    'variable-time-op',
  );
});
kindsSuite('float operations, scalar and vector; reinterpret is not one', () => {
  fails(`(func (export "f") (param i32) (drop (f64.convert_i64_u (i64.load (local.get 0)))))`, 'float-op');
  fails(`(func (export "f") (param i32) (drop (f32.add (f32.load (local.get 0)) (f32.const 1))))`, 'float-op');
  fails(
    `(func (export "f") (param i32) (drop (f32x4.mul (v128.load (local.get 0)) (v128.const i32x4 1 2 3 4))))`,
    'float-op',
  );
  passes(`(func (export "f") (param i32) (i64.store (i32.const 64) (i64.reinterpret_f64 (f64.load (local.get 0)))))`);
});
kindsSuite('bulk-memory sizes and memory.grow', () => {
  fails(`(func (export "f") (param i32) (drop (memory.grow (i32.load (local.get 0)))))`, 'bulk-size');
  fails(
    `(func (export "f") (param i32) (memory.fill (i32.const 64) (i32.const 0) (i32.load (local.get 0))))`,
    'bulk-size',
  );
  fails(
    `(func (export "f") (param i32) (memory.copy (i32.const 64) (i32.const 128) (i32.load (local.get 0))))`,
    'bulk-size',
  );
});
kindsSuite('a secret stored into a declared public region', () => {
  const policy = slotPolicy({
    f: {
      params: [
        ['slot', 'slot'],
        ['key', 'public'],
      ],
    },
  });
  const r = fails(
    `(func (export "f") (param i32 i32) (i32.store (local.get 0) (i32.load (local.get 1))))`,
    'public-region-store',
    policy,
  );
  assert.match(r.findings[0].instruction, /slot\.rounds/);
  // memory.fill of a secret byte over the word, and a copy into it, are stores too.
  fails(
    `(func (export "f") (param i32 i32) (memory.fill (local.get 0) (i32.load8_u (local.get 1)) (i32.const 64)))`,
    'public-region-store',
    policy,
  );
  fails(
    `(func (export "f") (param i32 i32) (memory.copy (local.get 0) (local.get 1) (i32.const 4)))`,
    'public-region-store',
    policy,
  );
  // Past the word (slot+4) a secret store is fine, and so is zeroing the whole slot.
  passes(
    `(func (export "f") (param i32 i32) (i32.store offset=4 (local.get 0) (i32.load (local.get 1))) (memory.fill (local.get 0) (i32.const 0) (i32.const 4096)))`,
    policy,
  );
});
kindsSuite('an undeclared secret result, and the same result declared', () => {
  const text = `(func (export "verify") (param i32) (result i32) (i64.eqz (i64.load (local.get 0))))`;
  const policy = { exports: { verify: { params: [['ptr', 'public']] } }, declassifiedResults: {}, allow: {} };
  const r = fails(text, 'secret-result', policy);
  assert.match(r.findings[0].instruction, /verify/);
  const ok = passes(text, { ...policy, declassifiedResults: { verify: 'the verdict is revealed by the API' } });
  assert.equal(
    ok.declassified.map((d) => d.export),
    ['verify'],
  );
});
kindsSuite('an export without a policy entry (only when a policy is given)', () => {
  const text = `(func (export "f") (param i32)) (func (export "g"))`;
  fails(text, 'unannotated-export', { exports: { f: { params: [['p', 'public']] } } });
  passes(text);
});
kindsSuite('a function reached from no export', () => {
  fails(`(func $dead (param i32) (drop (local.get 0))) (func (export "f"))`, 'unreached-function');
});
kindsSuite('fails closed on an instruction it does not model', () => {
  assert.throws(
    () =>
      check(`(memory $m2 1 1 shared) (func (export "f") (param i32) (result i32) (i32.atomic.load $m2 (local.get 0)))`),
    /not modelled \(fail closed\)/,
  );
  assert.throws(
    () =>
      check(
        `(func $g (param i32) (result i32) (local.get 0)) (func (export "f") (param i32) (result i32) (return_call $g (local.get 0)))`,
      ),
    /fail closed/,
  );
});
kindsSuite.run();

const flows = suite('ct check: flows');

flows('through a callee argument', () => {
  const r = fails(
    `(func $g (param i32) (if (local.get 0) (then (nop)))) (func (export "f") (param i32) (call $g (i32.load (local.get 0))))`,
    'branch',
  );
  assert.match(r.findings[0].function, /g/);
});
flows('through a call result', () => {
  fails(
    `(func $g (param i32) (result i32) (i32.load (local.get 0))) (func (export "f") (param i32) (if (call $g (local.get 0)) (then (nop))))`,
    'branch',
  );
});
flows('through a global, set in one export and branched on in another', () => {
  const r = fails(
    `(global $k (mut i32) (i32.const 0))
     (func (export "set") (param i32) (global.set $k (i32.load (local.get 0))))
     (func (export "use") (if (global.get $k) (then (nop))))`,
    'branch',
  );
  assert.match(r.findings[0].origin, /global/);
});
flows('through a loop-carried local (secret only from the second iteration)', () => {
  fails(
    `(func (export "f") (param i32) (local $x i32) (local $i i32)
       (loop $l
         (if (local.get $x) (then (nop)))
         (local.set $x (i32.load (local.get 0)))
         (local.set $i (i32.add (local.get $i) (i32.const 1)))
         (br_if $l (i32.lt_u (local.get $i) (i32.const 4)))))`,
    'branch',
  );
});
flows('a secret parameter role', () => {
  fails(`(func (export "f") (param i32) (if (local.get 0) (then (nop))))`, 'branch', {
    exports: { f: { params: [['k', 'secret']] } },
  });
});
flows.run();

const negatives = suite('ct check: what must pass');

negatives('a public loop bound over secret data', () => {
  passes(
    `(func (export "f") (param i32 i32) (local $i i32) (local $acc i32)
       (block $done (loop $l
         (br_if $done (i32.ge_u (local.get $i) (local.get 1)))
         (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get 0) (i32.shl (local.get $i) (i32.const 2))))))
         (local.set $i (i32.add (local.get $i) (i32.const 1)))
         (br $l)))
       (i32.store (i32.const 64) (local.get $acc)))`,
  );
});
negatives('a local reused: first a secret, then a public counter', () => {
  passes(
    `(func (export "f") (param i32) (local $t i32)
       (local.set $t (i32.load (local.get 0)))
       (i32.store (i32.const 64) (i32.xor (local.get $t) (i32.const 0x5a)))
       (local.set $t (i32.const 0))
       (loop $l
         (local.set $t (i32.add (local.get $t) (i32.const 1)))
         (br_if $l (i32.lt_u (local.get $t) (i32.const 8)))))`,
  );
});
negatives('a secret select value under a public condition', () => {
  passes(
    `(func (export "f") (param i32 i32) (i32.store (i32.const 64) (select (i32.load (local.get 0)) (i32.const 0) (local.get 1))))`,
  );
});
negatives('a branch on the declared public slot word, and round keys addressed by it', () => {
  const policy = slotPolicy({ f: { params: [['slot', 'slot']] } });
  const text = `(func (export "f") (param i32) (local $r i32)
    (local.set $r (i32.load (local.get 0)))
    (if (i32.gt_s (local.get $r) (i32.const 10)) (then (drop (v128.load offset=16 (i32.add (local.get 0) (i32.shl (local.get $r) (i32.const 4))))))))`;
  passes(text, policy);
  // Without the region the same code fails twice: the branch and the address.
  const r = check(text, { ...policy, publicMemory: [], exports: { f: { params: [['slot', 'public']] } } });
  assert.equal(kinds(r), ['branch', 'load-address']);
});
negatives('a load next to the public word is still secret', () => {
  const policy = slotPolicy({ f: { params: [['slot', 'slot']] } });
  fails(`(func (export "f") (param i32) (if (i32.load offset=2 (local.get 0)) (then (nop))))`, 'branch', policy);
  fails(`(func (export "f") (param i32) (if (i32.load offset=4 (local.get 0)) (then (nop))))`, 'branch', policy);
});
negatives.run();

const allowances = suite('ct check: allowances are per function');

const mulText = `(func $mul (export "mul") (param i32) (i64.store (i32.const 64) (i64.mul (i64.load (local.get 0)) (i64.const 3))))
  (func $shift (export "shift") (param i32) (i64.store (i32.const 64) (i64.shr_u (i64.const -1) (i64.load (local.get 0)))))
  (func $swz (export "swz") (param i32) (v128.store (i32.const 64) (i8x16.swizzle (v128.const i32x4 1 2 3 4) (v128.load (local.get 0)))))`;
const allowPolicy = (allow) => ({
  exports: {
    mul: { params: [['p', 'public']] },
    shift: { params: [['p', 'public']] },
    swz: { params: [['p', 'public']] },
  },
  allow,
});

allowances('each allowable kind fails where the policy does not name the function', () => {
  const r = check(mulText, allowPolicy({}));
  assert.equal(kinds(r), ['secret-mul', 'secret-shift', 'secret-swizzle']);
  const wrong = check(
    mulText,
    allowPolicy({
      'secret-mul': { shift: 'wrong function' },
      'secret-shift': { mul: 'wrong' },
      'secret-swizzle': { mul: 'wrong' },
    }),
  );
  assert.equal(kinds(wrong), ['secret-mul', 'secret-shift', 'secret-swizzle']);
  assert.ok(wrong.notes.some((n) => /matched nothing/.test(n)));
});
allowances('named functions are listed, with their reason, and pass', () => {
  const r = check(
    mulText,
    allowPolicy({
      'secret-mul': { mul: 'GHASH' },
      'secret-shift': { shift: 'mask' },
      'secret-swizzle': { swz: 'lanes' },
    }),
  );
  assert.ok(r.pass);
  assert.equal(r.allowed.map((a) => `${a.kind} ${a.function} ${a.count} ${a.reason}`).sort(), [
    'secret-mul mul 1 GHASH',
    'secret-shift shift 1 mask',
    'secret-swizzle swz 1 lanes',
  ]);
});
allowances('a SIMD shift by a secret count is a secret-shift; lane loads and stores are memory accesses', () => {
  fails(
    `(func (export "f") (param i32) (v128.store (i32.const 64) (i64x2.shl (v128.const i64x2 1 2) (i32.load (local.get 0)))))`,
    'secret-shift',
  );
  fails(
    `(func (export "f") (param i32) (v128.store64_lane 1 (i32.load (local.get 0)) (v128.const i64x2 1 2)))`,
    'store-address',
  );
  fails(
    `(func (export "f") (param i32) (drop (v128.load32_lane 0 (i32.load (local.get 0)) (v128.const i64x2 1 2))))`,
    'load-address',
  );
});
allowances('a shift of a secret by a public count is not a finding', () => {
  passes(`(func (export "f") (param i32) (i64.store (i32.const 64) (i64.shl (i64.load (local.get 0)) (i64.const 3))))`);
});
allowances.run();

const shipped = suite('ct check: the shipped modules');

/** How many instructions of each checked kind build/atrest.<target>.wat (asc's text of the
 *  shipped module, one instruction per line) holds. */
function textCounts(target) {
  const text = readFileSync(join(ROOT, `build/atrest.${target}.wat`), 'utf8');
  const n = (re) => (text.match(re) || []).length;
  return {
    functions: n(/^\s*\(func /gm),
    branchPoints: n(/^\s*(if|br_if|br_table)\b/gm),
    selects: n(/^\s*select\b/gm),
    loads: n(/^\s*(i32|i64|f32|f64|v128)\.load/gm),
    stores: n(/^\s*(i32|i64|f32|f64|v128)\.store/gm),
    bulkMemory: n(/^\s*memory\.(fill|copy|init|grow)\b/gm),
    calls: n(/^\s*call(_indirect)? /gm),
  };
}

for (const target of ['simd', 'nosimd']) {
  shipped(`${target}: every branch, select, load, store, bulk op and call of the module is checked`, async () => {
    const bytes = await shippedBytes(ROOT, target);
    const r = analyse(bytes, null);
    const c = r.coverage;
    const want = textCounts(target);
    assert.ok(want.loads > 100 && want.branchPoints > 20, 'the module text has the instructions the engine needs');
    assert.equal(
      {
        functions: c.analysed,
        branchPoints: c.branchPoints,
        selects: c.selects,
        loads: c.loads,
        stores: c.stores,
        bulkMemory: c.bulkMemory,
        calls: c.calls,
      },
      want,
    );
    assert.is(c.functions, want.functions);
  });
  shipped(
    `${target}: with no policy, only the triaged kinds appear (round-count word, verdicts, GHASH, KWP mask)`,
    async () => {
      const r = analyse(await shippedBytes(ROOT, target), null);
      assert.equal([...new Set(kinds(r))].sort(), [
        'branch',
        'load-address',
        'secret-mul',
        'secret-result',
        'secret-shift',
      ]);
      // Every branch and address finding goes away when slot+[0,4) is public: that word is the only cause.
      const roles = JSON.parse(readFileSync(join(ROOT, 'scripts/ct-policy.json'), 'utf8'));
      const onlyRegion = { ...roles, declassifiedResults: {}, allow: {} };
      assert.equal([...new Set(kinds(analyse(await shippedBytes(ROOT, target), onlyRegion)))].sort(), [
        'secret-mul',
        'secret-result',
        'secret-shift',
      ]);
    },
  );
}
shipped.run();

const cli = suite('ct check: command line and input');

cli('exit status 1, one line per finding, a coverage line; --json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atrest-ct-test-'));
  try {
    const file = join(dir, 'leak.wasm');
    writeFileSync(file, wat(`(func (export "f") (param i32) (if (i32.load (local.get 0)) (then (nop))))`));
    const text = spawnSync(process.execPath, ['scripts/ct-check.mjs', file], { cwd: ROOT, encoding: 'utf8' });
    assert.is(text.status, 1);
    assert.match(text.stdout, /^FAIL branch {2}0 \(export f\) {2}secret from: load32 \[\?\+0\] in 0 {2}at: \(if/m);
    assert.match(text.stdout, /^coverage .*leak\.wasm: 1\/1 functions, 1 branch points, 0 selects, 1 loads, 0 stores/m);
    const json = spawnSync(process.execPath, ['scripts/ct-check.mjs', file, '--json'], { cwd: ROOT, encoding: 'utf8' });
    assert.is(json.status, 1);
    const doc = JSON.parse(json.stdout);
    assert.is(doc.pass, false);
    assert.equal(
      doc.results[0].findings.map((f) => f.kind),
      ['branch'],
    );
    const clean = join(dir, 'clean.wasm');
    writeFileSync(clean, wat(`(func (export "f") (param i32) (i32.store (i32.const 64) (i32.load (local.get 0))))`));
    const ok = execFileSync(process.execPath, ['scripts/ct-check.mjs', clean], { cwd: ROOT, encoding: 'utf8' });
    assert.match(ok, /^PASS .*clean\.wasm$/m);
    // A module with no code is not a pass.
    const empty = join(dir, 'empty.wasm');
    const m = binaryen.parseText('(module)');
    writeFileSync(empty, m.emitBinary());
    m.dispose();
    const vacuous = spawnSync(process.execPath, ['scripts/ct-check.mjs', empty], { cwd: ROOT, encoding: 'utf8' });
    assert.is(vacuous.status, 1);
    assert.match(vacuous.stdout, /FAIL vacuous/);
    // A names twin that is not the same code is refused.
    const bad = spawnSync(process.execPath, ['scripts/ct-check.mjs', clean, '--names', file], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.is(bad.status, 1);
    assert.match(bad.stderr, /is not the same code/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
cli('codeDifference ignores only custom sections', () => {
  const a = wat(`(func (export "f") (param i32))`);
  const withName = new Uint8Array([...a, 0, 5, 4, 0x6e, 0x61, 0x6d, 0x65]); // an empty custom "name" section
  assert.is(codeDifference(a, withName), null);
  const b = wat(`(func (export "g") (param i32))`);
  assert.match(codeDifference(a, b), /differs/);
});
cli.run();
