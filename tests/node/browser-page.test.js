// Node only: the example page examples/browser/index.html, driven in headless Chromium through
// playwright-core, served like any static server would serve the repository (root = the repo,
// 127.0.0.1, port 0).
// - Upload a generated file of a few MiB, Encrypt, capture the .atrest download; upload that,
//   Decrypt, capture the download: bytes equal the original, and the page says so and shows
//   MiB/s. A screenshot of the finished page is saved to tests/artifacts/browser-page.png.
// - A fresh page (the first one closed, so its IndexedDB keystore and Web Lock are released)
//   decrypts the same file again: the key service's state really is kept in IndexedDB.
// - On that page (the <script> bundle), createPool without workerUrl runs in the calling thread,
//   and with workerUrl = /dist/engine/pool-worker.js starts real workers; same bytes both ways.
// - Any page error, console.error, failed request or HTTP status >= 400 fails the test.
// Without /usr/bin/chromium (or $ATREST_CHROMIUM) the Chromium suite is not registered and says
// so; the static checks of the page still run, so this file never runs zero tests.
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CHROMIUM, CHROMIUM_ARGS, CONTENT_TYPES } from '../../scripts/chromium.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PAGE = 'examples/browser/index.html';
const SCREENSHOT = join(ROOT, 'tests', 'artifacts', 'browser-page.png');
const STEP_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------- without a browser

const page = suite('example page (static)');

page('the page loads the bundle with a plain relative <script> tag, then app.js', () => {
  const html = readFileSync(join(ROOT, PAGE), 'utf8');
  assert.match(html, /<script src="\.\.\/\.\.\/dist\/atrest\.global\.js"><\/script>/);
  assert.match(html, /<script src="app\.js"><\/script>/);
  assert.not.match(html, /type="module"/, 'the page must work as classic scripts, from any static server');
  assert.match(html, /[Dd]emo key store/, 'the page says plainly that its key store is a demo');
});

page('dist/atrest.global.js exists (npm run build makes it)', () => {
  assert.ok(
    existsSync(join(ROOT, 'dist', 'atrest.global.js')),
    'dist/atrest.global.js is missing: run `npm run build`',
  );
});

page.run();

// ---------------------------------------------------------------- in Chromium

/** A plain static file server rooted at the repository, like `npx serve .`. */
function serveRepository() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = resolve(ROOT, '.' + path);
    if (!file.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res
        .writeHead(200, {
          'content-type': CONTENT_TYPES[extname(file)] || 'application/octet-stream',
          'cache-control': 'no-store',
        })
        .end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** Opens the example page and records everything that would mean the page is broken. */
async function openPage(context, origin, problems) {
  const tab = await context.newPage();
  tab.on('pageerror', (err) => problems.push(`pageerror: ${err.stack || err.message}`));
  tab.on('console', (msg) => msg.type() === 'error' && problems.push(`console.error: ${msg.text()}`));
  tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  tab.on('response', (r) => r.status() >= 400 && problems.push(`http ${r.status()} for ${r.url()}`));
  await tab.goto(`${origin}/${PAGE}`);
  await tab.waitForSelector('body[data-ready="true"]', { timeout: STEP_TIMEOUT_MS });
  return tab;
}

/** Clicks a download link and returns the downloaded file's name and bytes. */
async function download(tab, linkSelector) {
  const [file] = await Promise.all([
    tab.waitForEvent('download', { timeout: STEP_TIMEOUT_MS }),
    tab.click(linkSelector),
  ]);
  return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) };
}

async function decryptThroughPage(tab, encrypted) {
  await tab.setInputFiles('#encrypted-file', {
    name: encrypted.name,
    mimeType: 'application/octet-stream',
    buffer: encrypted.bytes,
  });
  await tab.click('#decrypt');
  await tab.waitForSelector('#decrypt-status[data-state="done"], #error:not(:empty)', { timeout: STEP_TIMEOUT_MS });
  assert.is(await tab.textContent('#error'), '', 'the page reported an error');
  return download(tab, '#decrypted-link');
}

const browserSuite = suite('example page in headless Chromium');
let browser;
let context;
let server;
let origin;
const problems = [];

browserSuite.before(async () => {
  server = await serveRepository();
  origin = `http://127.0.0.1:${server.address().port}`;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: STEP_TIMEOUT_MS,
  });
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 900, height: 1000 } });
});

browserSuite.after(async () => {
  await browser?.close().catch(() => {});
  server?.close();
});

// 5 MiB and an odd tail: the last sector of the file is partial.
const original = { name: 'sample.bin', bytes: randomBytes(5 * 1024 * 1024 + 1234) };
let encrypted;

browserSuite('upload, encrypt, download, decrypt: bytes equal, MiB/s shown; screenshot kept', async () => {
  const tab = await openPage(context, origin, problems);
  assert.match(await tab.textContent('#engine'), /atrest loaded/);

  await tab.setInputFiles('#plain-file', {
    name: original.name,
    mimeType: 'application/octet-stream',
    buffer: original.bytes,
  });
  await tab.click('#encrypt');
  await tab.waitForSelector('#encrypt-status[data-state="done"], #error:not(:empty)', { timeout: STEP_TIMEOUT_MS });
  assert.is(await tab.textContent('#error'), '', 'the page reported an error');
  assert.match(await tab.textContent('#encrypt-status'), /MiB\/s/);

  encrypted = await download(tab, '#encrypted-link');
  assert.is(encrypted.name, 'sample.bin.atrest');
  assert.ok(encrypted.bytes.length > original.bytes.length, 'the encrypted file is not larger than the original');
  assert.is(
    encrypted.bytes.indexOf(original.bytes.subarray(4096, 4096 + 64)),
    -1,
    'plaintext appears in the encrypted file',
  );

  const decrypted = await decryptThroughPage(tab, encrypted);
  assert.is(decrypted.name, 'sample.bin');
  assert.is(decrypted.bytes.length, original.bytes.length);
  assert.ok(decrypted.bytes.equals(original.bytes), 'the decrypted bytes differ from the original');
  assert.match(await tab.textContent('#decrypt-status'), /MiB\/s/);
  assert.is(
    await tab.getAttribute('#compare', 'data-equal'),
    'true',
    `the page's comparison: ${await tab.textContent('#compare')}`,
  );

  mkdirSync(join(ROOT, 'tests', 'artifacts'), { recursive: true });
  await tab.screenshot({ path: SCREENSHOT, fullPage: true });
  await tab.close();
  assert.equal(problems, []);
});

browserSuite('a new page decrypts the file again: the key service state is kept in IndexedDB', async () => {
  assert.ok(encrypted, 'the previous test produced no encrypted file');
  const tab = await openPage(context, origin, problems);
  const decrypted = await decryptThroughPage(tab, encrypted);
  assert.ok(decrypted.bytes.equals(original.bytes), 'the decrypted bytes differ from the original');
  // No original chosen on this page: the page says it cannot compare rather than claiming equality.
  assert.is(await tab.getAttribute('#compare', 'data-equal'), 'false');
  await tab.close();
  assert.equal(problems, []);
});

browserSuite(
  'in the <script> bundle, createPool runs in-thread without workerUrl and uses workers with it',
  async () => {
    const tab = await openPage(context, origin, problems);
    const result = await tab.evaluate(async () => {
      const key = crypto.getRandomValues(new Uint8Array(64));
      const data = Uint8Array.from({ length: 3 << 20 }, (_, i) => (i * 31 + (i >> 12)) & 255); // > inThreadBelow
      const expected = (await atrest.createEngine()).xts(key, { sectorSize: 4096 }).encrypt(data, 9);
      const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
      const out = {};
      for (const [name, options] of [
        ['plain', { workers: 2 }],
        ['workerUrl', { workers: 2, workerUrl: '/dist/engine/pool-worker.js' }],
      ]) {
        const pool = await atrest.createPool(options);
        const xts = await pool.xts(key, { sectorSize: 4096 });
        out[name] = { workers: pool.workers, equal: equal(await xts.encrypt(data, 9), expected) };
        await pool.close();
      }
      return out;
    });
    await tab.close();
    assert.equal(result, { plain: { workers: 0, equal: true }, workerUrl: { workers: 2, equal: true } });
    assert.equal(problems, []);
  },
);

if (existsSync(CHROMIUM)) {
  browserSuite.run();
} else {
  console.log(
    `[browser-page] ${CHROMIUM} not found: the Chromium suite is not run (install it with apt-get install --no-install-recommends chromium)`,
  );
}
