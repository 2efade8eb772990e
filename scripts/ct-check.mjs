#!/usr/bin/env node
// The constant-time check: a static information-flow analysis of the wasm atrest ships, failing
// when a secret (key, data, tweak) reaches a branch, a memory address, a variable-time operand
// or an undeclared output. README "Constant time, checked" says what it proves and what not.
//
//   node scripts/ct-check.mjs --shipped [--json]          both shipped builds, scripts/ct-policy.json
//   node scripts/ct-check.mjs MODULE.wasm [--policy FILE] [--names TWIN.wasm] [--json]
//
// --shipped (npm run check:ct, .ci/run): the bytes embedded in dist/, asserted equal to
// build/*.wasm, with function names from an asc --debug twin whose non-custom sections are
// verified byte-identical (scripts/ct/input.mjs). With MODULE.wasm and no --policy, every export
// parameter is public, every loaded value secret and nothing is declassified or allowed.
// Output: one line per finding, the allowances and declassifications used, a coverage line per
// module; --json prints one JSON document instead. Exit status 1 on any finding or error.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyse } from './ct/analyse.mjs';
import { codeDifference, namesTwin, shippedBytes, TARGETS } from './ct/input.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/ct-check.mjs (--shipped | MODULE.wasm [--policy FILE] [--names TWIN.wasm]) [--json]';

function parseArgs(argv) {
  const o = { json: false, shipped: false, module: null, policy: null, names: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--shipped') o.shipped = true;
    else if (a === '--policy' || a === '--names') {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a file\n${USAGE}`);
      o[a.slice(2)] = argv[++i];
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else if (o.module) throw new Error(`one module at a time\n${USAGE}`);
    else o.module = a;
  }
  if (o.shipped === Boolean(o.module)) throw new Error(USAGE);
  if (o.shipped && (o.policy || o.names))
    throw new Error('--shipped uses scripts/ct-policy.json and builds its own names twin');
  return o;
}

/** Values of the layout getters a policy region names (e.g. "from": "keyInput"). */
async function layoutFor(bytes, policy) {
  const wanted = new Set(
    (policy?.publicMemory || []).flatMap((r) => [r.from, r.to]).filter((v) => typeof v === 'string'),
  );
  if (!wanted.size) return {};
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const out = {};
  for (const name of wanted) {
    if (typeof instance.exports[name] !== 'function')
      throw new Error(`ct policy: layout getter ${name} is not an export of the module`);
    out[name] = instance.exports[name]() >>> 0;
  }
  return out;
}

async function checkOne(label, code, names, policy) {
  const t0 = performance.now();
  const result = analyse(names || code, policy, { layout: await layoutFor(code, policy) });
  if (result.coverage.analysed === 0) {
    // A module with no code passes vacuously; say so and fail rather than print PASS.
    result.findings.push({
      kind: 'vacuous',
      function: '-',
      export: null,
      origin: null,
      instruction: 'no function was analysed',
    });
    result.pass = false;
  }
  return { module: label, ...result, ms: Math.round(performance.now() - t0) };
}

function printText(r) {
  for (const f of r.findings) {
    console.log(
      `FAIL ${f.kind}  ${f.function}${f.export && f.export !== f.function ? ` (export ${f.export})` : ''}  secret from: ${f.origin ?? '-'}  at: ${f.instruction}`,
    );
  }
  for (const a of r.allowed) console.log(`allowed ${a.kind} ×${a.count} in ${a.function}: ${a.reason}`);
  for (const d of r.declassified) console.log(`declassified result of ${d.export} (${d.origin}): ${d.reason}`);
  for (const n of r.notes) console.log(`note: ${n}`);
  const c = r.coverage;
  console.log(
    `coverage ${r.module}: ${c.analysed}/${c.functions} functions, ${c.branchPoints} branch points, ${c.selects} selects, ${c.loads} loads, ` +
      `${c.stores} stores, ${c.bulkMemory} bulk-memory ops, ${c.calls} calls checked; ${c.storesAssumedDisjoint} writes (stores, fills, copies) assumed disjoint from public regions; ` +
      `${r.allowed.reduce((n, a) => n + a.count, 0)} allowed, ${r.declassified.length} declassified; ${r.ms} ms`,
  );
  console.log(`${r.pass ? 'PASS' : 'FAIL'} ${r.module}${r.pass ? '' : `: ${r.findings.length} finding(s)`}`);
}

async function main() {
  const started = performance.now();
  const o = parseArgs(process.argv.slice(2));
  const results = [];
  if (o.shipped) {
    const policy = JSON.parse(readFileSync(join(ROOT, 'scripts/ct-policy.json'), 'utf8'));
    for (const target of Object.keys(TARGETS)) {
      const code = await shippedBytes(ROOT, target);
      const twin = namesTwin(ROOT, target, code, { log: (m) => console.error(m) });
      results.push(await checkOne(`atrest.${target}.wasm (shipped)`, code, twin, policy));
    }
  } else {
    const code = new Uint8Array(readFileSync(o.module));
    let names = null;
    if (o.names) {
      names = new Uint8Array(readFileSync(o.names));
      const diff = codeDifference(code, names);
      if (diff !== null) throw new Error(`--names ${o.names} is not the same code as ${o.module} (${diff})`);
    }
    const policy = o.policy ? JSON.parse(readFileSync(o.policy, 'utf8')) : null;
    results.push(await checkOne(o.module, code, names, policy));
  }
  const pass = results.every((r) => r.pass);
  if (o.json) console.log(JSON.stringify({ pass, ms: Math.round(performance.now() - started), results }, null, 2));
  else results.forEach(printText);
  process.exitCode = pass ? 0 : 1;
}

main().catch((err) => {
  console.error(`ct-check: ${err.message}`);
  process.exitCode = 1;
});
