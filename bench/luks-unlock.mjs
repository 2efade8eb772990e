#!/usr/bin/env node
// LUKS2 unlock times per KDF setting in Node, Deno and headless Chromium (the README's LUKS2
// section quotes them), plus Argon2 through @noble/hashes against hash-wasm in Node — the
// measurement behind atrest's choice of hash-wasm. `node bench/luks-unlock.mjs [--quick]`;
// writes bench/results/luks-unlock.json (not with --quick). Takes about two minutes.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureUnlocks } from './lib/luks-unlock-rows.mjs';
import { CHROMIUM, CHROMIUM_ARGS } from '../scripts/chromium.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const results = { date: new Date().toISOString(), runtimes: {} };

async function argonChoice() {
  const { argon2id: noble } = await import('@noble/hashes/argon2.js');
  const { argon2id: wasm } = await import('hash-wasm');
  const pw = new TextEncoder().encode('bench'),
    salt = new Uint8Array(32).fill(1);
  const rows = [];
  for (const [m, t, p] of quick
    ? [[16384, 4, 1]]
    : [
        [65536, 4, 1],
        [252928, 4, 2],
      ]) {
    let s = performance.now();
    const a = noble(pw, salt, { m, t, p, dkLen: 64 });
    const nobleMs = performance.now() - s;
    s = performance.now();
    const b = await wasm({
      password: pw,
      salt,
      memorySize: m,
      iterations: t,
      parallelism: p,
      hashLength: 64,
      outputType: 'binary',
    });
    const wasmMs = performance.now() - s;
    if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) throw new Error('noble and hash-wasm disagree');
    rows.push({ memoryKiB: m, time: t, lanes: p, nobleMs, hashWasmMs: wasmMs, ratio: nobleMs / wasmMs });
  }
  return rows;
}

async function chromiumRows() {
  const esbuild = await import('esbuild');
  const js = (
    await esbuild.build({
      absWorkingDir: ROOT,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      stdin: {
        contents: `import { measureUnlocks } from './bench/lib/luks-unlock-rows.mjs';
      measureUnlocks({ quick: ${quick}, log: (s) => console.log(s) }).then((r) => { globalThis.__rows = r; }, (e) => { globalThis.__rows = { error: String(e) }; });`,
        resolveDir: ROOT,
        loader: 'js',
      },
    })
  ).outputFiles[0].contents;
  const server = createServer((req, res) => {
    if (req.url === '/b.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><script type="module" src="/b.js"></script>');
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`[chromium] ${m.text()}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => globalThis.__rows !== undefined, null, { timeout: 600_000, polling: 500 });
    return { version: browser.version(), rows: await page.evaluate(() => globalThis.__rows) };
  } finally {
    await browser.close();
    server.close();
  }
}

results.runtimes.node = {
  version: process.version,
  rows: await measureUnlocks({ quick, log: (s) => console.log(`[node] ${s}`) }),
};
const deno = join(ROOT, 'node_modules', '.bin', 'deno');
const denoOut = execFileSync(
  deno,
  ['run', '-R', '-E', join(ROOT, 'bench/lib/luks-unlock-rows.mjs'), ...(quick ? ['--quick'] : [])],
  { encoding: 'utf8' },
);
results.runtimes.deno = {
  version: execFileSync(deno, ['--version'], { encoding: 'utf8' }).split('\n')[0],
  rows: JSON.parse(denoOut.trim().split('\n').at(-1)),
};
results.runtimes.chromium = await chromiumRows();
results.argon2Choice = await argonChoice();

const labels = results.runtimes.node.rows.map((r) => r.label);
const cell = (rt, label) => {
  const r = results.runtimes[rt].rows.find((x) => x.label === label);
  return r === undefined ? '' : r.error ? `failed (${r.error.slice(0, 60)})` : `${(r.unlockMs / 1000).toFixed(2)} s`;
};
console.log(
  `\n| KDF setting | Node ${process.version} | ${results.runtimes.deno.version} | Chromium ${results.runtimes.chromium.version} |\n| --- | ---: | ---: | ---: |`,
);
for (const l of labels) console.log(`| ${l} | ${cell('node', l)} | ${cell('deno', l)} | ${cell('chromium', l)} |`);
console.log('\nArgon2id in Node: @noble/hashes vs hash-wasm');
for (const r of results.argon2Choice)
  console.log(
    `  ${r.memoryKiB} KiB, t=${r.time}, ${r.lanes} lanes: noble ${r.nobleMs.toFixed(0)} ms, hash-wasm ${r.hashWasmMs.toFixed(0)} ms (${r.ratio.toFixed(2)}×)`,
  );
if (!quick) writeFileSync(join(ROOT, 'bench/results/luks-unlock.json'), JSON.stringify(results, null, 2) + '\n');
