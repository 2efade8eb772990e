// Every ```js example in README.md that imports `atrest`, `atrest/fs`, `atrest/luks`, `atrest/aws`, `atrest/server` or `atrest/sqlite` runs here, as written,
// with those specifiers pointed at this checkout's dist/ — so the README cannot drift from the
// API. Each example runs as its own module in a fresh temporary directory (examples may write
// files such as ./keys.atrest) and must finish without throwing. Node only: the examples use
// top-level await and, for atrest/fs, the file system. The Deno examples of the engine
// (`npm:atrest`, a relative checkout path) are run by deno-import.test.js.
// The atrest/sqlite section's other two examples run here too, each as written, twice (the second
// run must see the first one's row, and the database file must hold neither the row nor a SQLite
// header):
// - the Deno one (first line `// deno run FLAGS main.js`): in a real Deno with exactly those
//   flags, in a project whose node_modules links atrest to this checkout and
//   @sqlite.org/sqlite-wasm to its copy (what `npm install` would give), offline;
// - the browser one (first line `// worker.js …`): bundled by esbuild as an application's
//   bundler would (`atrest` resolved through node_modules and package.json's exports), served
//   with sqlite3.wasm beside the bundle, started by a page in headless Chromium as its comment
//   says; each run is a new page and worker, so the second sees the first one's OPFS file and
//   IndexedDB keystore.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM, CHROMIUM_ARGS, CONTENT_TYPES } from '../../scripts/chromium.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const distIndex = pathToFileURL(join(root, 'dist/index.js')).href;
const distFs = pathToFileURL(join(root, 'dist/fs/index.js')).href;
const distLuks = pathToFileURL(join(root, 'dist/luks/index.js')).href;
const distAws = pathToFileURL(join(root, 'dist/kms/aws/index.js')).href;
const distServer = pathToFileURL(join(root, 'dist/kms/server/index.js')).href;
const distSqlite = pathToFileURL(join(root, 'dist/sqlite/index.js')).href;
const awsSdk = import.meta.resolve('@aws-sdk/client-kms');

/** The ```js blocks with the heading they sit under. */
function jsExamples(markdown) {
  const examples = [];
  let heading = '(top)';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#')) heading = lines[i].replace(/^#+\s*/, '');
    if (lines[i].trim() === '```js') {
      const body = [];
      for (i++; i < lines.length && lines[i].trim() !== '```'; i++) body.push(lines[i]);
      examples.push({ heading, code: body.join('\n') });
    }
  }
  return examples;
}

const WORKER_EXAMPLE = '// worker.js';
const DENO_EXAMPLE = '// deno run ';
const runnable = jsExamples(readme).filter(
  (e) => /from 'atrest(\/fs|\/luks|\/aws|\/server|\/sqlite)?'/.test(e.code) && !e.code.startsWith(WORKER_EXAMPLE),
);
const test = suite('README examples');

test('the README has runnable examples for the engine, pool, key service, stores and envelope', () => {
  const headings = runnable.map((e) => e.heading).join(' | ');
  for (const topic of ['Engine API', 'createPool', 'Key service', 'Envelope API', 'LUKS2', 'atrest/sqlite']) {
    assert.ok(headings.includes(topic), `no runnable example under a heading with "${topic}" (found: ${headings})`);
  }
});

for (const [n, example] of runnable.entries()) {
  test(`example ${n + 1} (${example.heading}) runs`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atrest-readme-'));
    const cwd = process.cwd();
    const passphrase = process.env.ATREST_PASSPHRASE;
    try {
      const code = example.code
        .replaceAll("from 'atrest/fs'", `from '${distFs}'`)
        .replaceAll("from 'atrest/luks'", `from '${distLuks}'`)
        .replaceAll("from 'atrest/aws'", `from '${distAws}'`)
        .replaceAll("from 'atrest/server'", `from '${distServer}'`)
        .replaceAll("from 'atrest/sqlite'", `from '${distSqlite}'`)
        .replaceAll("from '@aws-sdk/client-kms'", `from '${awsSdk}'`)
        .replaceAll("from 'atrest'", `from '${distIndex}'`);
      const file = join(dir, 'example.mjs');
      writeFileSync(file, code);
      process.chdir(dir);
      process.env.ATREST_PASSPHRASE ??= 'readme example passphrase';
      await import(pathToFileURL(file).href);
    } finally {
      process.chdir(cwd);
      if (passphrase === undefined) delete process.env.ATREST_PASSPHRASE;
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The fenced block of `lang` that starts with a line beginning `firstLine`. */
function fencedBlock(markdown, lang, firstLine) {
  const re = new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```$', 'gm');
  for (const m of markdown.matchAll(re)) if (m[1].startsWith(firstLine)) return m[1];
  throw new Error(`README.md has no \`\`\`${lang} block starting with ${firstLine}`);
}

test("the CLI section's shell example runs as written, with its sample policy.json", () => {
  const dir = mkdtempSync(join(tmpdir(), 'atrest-readme-cli-'));
  try {
    writeFileSync(join(dir, 'policy.json'), fencedBlock(readme, 'json', '{\n  "Version"'));
    writeFileSync(
      join(dir, 'album.tar'),
      new Uint8Array(300_000).map((_, i) => (i * 7) & 255),
    );
    // `atrest` on PATH: this checkout's bin under the Node running the test.
    writeFileSync(join(dir, 'atrest'), `#!/bin/sh\nexec "${process.execPath}" "${join(root, 'bin/atrest.js')}" "$@"\n`);
    chmodSync(join(dir, 'atrest'), 0o755);
    const script = fencedBlock(readme, 'sh', 'export ATREST_ROOT_KEY=');
    const r = spawnSync('/bin/bash', ['-euo', 'pipefail', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, ATREST_HOME: join(dir, '.atrest') },
    });
    assert.is(r.status, 0, `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    assert.equal(readFileSync(join(dir, 'album-copy.tar')), readFileSync(join(dir, 'album.tar')));
    assert.match(r.stdout, /Decrypt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

// ---------------------------------------------------------------- atrest/sqlite in Deno and a browser

const sqliteExamples = suite('README atrest/sqlite examples in Deno and a browser');
const DENO = join(root, 'node_modules', '.bin', 'deno');
const SQLITE_PACKAGE = join(root, 'node_modules', '@sqlite.org', 'sqlite-wasm');
const CLOSED_REGISTRY = 'http://127.0.0.1:9/'; // discard port: a registry request fails at once

/** The atrest/sqlite section's ```js block whose first line starts with `marker`. */
function sqliteExample(marker) {
  const found = jsExamples(readme).filter((e) => e.heading.includes('atrest/sqlite') && e.code.startsWith(marker));
  assert.is(found.length, 1, `README's atrest/sqlite section has ${found.length} examples starting ${marker}`);
  return found[0].code;
}

/** A project as `npm install atrest @sqlite.org/sqlite-wasm` leaves it, linked to this checkout. */
function sqliteProject(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'uses-atrest-sqlite', private: true, type: 'module' }, null, 2),
  );
  mkdirSync(join(dir, 'node_modules', '@sqlite.org'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'atrest'), 'dir');
  symlinkSync(SQLITE_PACKAGE, join(dir, 'node_modules', '@sqlite.org', 'sqlite-wasm'), 'dir');
  return dir;
}

function assertDatabaseOpaque(bytes, row, label) {
  const text = Buffer.from(bytes).toString('latin1');
  assert.ok(bytes.length > 0, `${label}: the database file is empty`);
  for (const needle of ['SQLite format 3', row, 'CREATE TABLE'])
    assert.not.ok(text.includes(needle), `${label}: the database file holds ${JSON.stringify(needle)} in clear`);
}

if (existsSync(DENO)) {
  sqliteExamples('the Deno example runs as written, with the flags its first line gives, twice', () => {
    const code = sqliteExample(DENO_EXAMPLE);
    const command = /^\/\/ deno run ((?:\S+ )*)main\.js$/.exec(code.split('\n')[0]);
    assert.ok(command, `the first line names the command: ${code.split('\n')[0]}`);
    const flags = command[1].trim().split(/\s+/);
    const dir = sqliteProject('atrest-readme-deno-');
    try {
      writeFileSync(join(dir, 'main.js'), code);
      const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
      for (const k of Object.keys(env)) if (/^npm_/i.test(k)) delete env[k];
      Object.assign(env, {
        DENO_DIR: join(dir, '.deno-dir'),
        NPM_CONFIG_REGISTRY: CLOSED_REGISTRY,
        ATREST_PASSPHRASE: 'readme example passphrase',
      });
      for (const expected of ['1', '2']) {
        const r = spawnSync(DENO, ['run', '--cached-only', ...flags, 'main.js'], {
          cwd: dir,
          env,
          encoding: 'utf8',
          timeout: 120_000,
        });
        assert.is(r.status, 0, `deno exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
        assert.is(r.stdout.trim(), expected, `run ${expected}: the row count`);
      }
      assertDatabaseOpaque(readFileSync(join(dir, 'ledger.atrest')), 'hello from Deno', 'Deno');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
} else {
  console.log(`[readme-examples] ${DENO} not found: the README's Deno atrest/sqlite example is not run`);
}

/** The page of the browser example: starts the worker as the example's first line says. */
function workerPage(code) {
  const start = /^\/\/ worker\.js, started by the page: (new Worker\(.*\)\.postMessage\(passphrase\))$/.exec(
    code.split('\n')[0],
  );
  assert.ok(start, `the first line says how the page starts the worker: ${code.split('\n')[0]}`);
  return `<!doctype html><meta charset="utf-8"><script type="module">
const passphrase = 'readme example passphrase';
const worker = ${start[1].replace(/\.postMessage\(passphrase\)$/, '')};
worker.onmessage = ({ data }) => { globalThis.__count = data; };
worker.onerror = (e) => { globalThis.__error = e.message || 'worker error'; };
worker.postMessage(passphrase);
</script>`;
}

function serveDir(dir) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    if (path === '/favicon.ico') return res.writeHead(204).end();
    const file = join(dir, path === '/' ? 'index.html' : path.slice(1));
    if (!file.startsWith(dir + '/') || !existsSync(file)) return res.writeHead(404).end('not found');
    const ext = file.slice(file.lastIndexOf('.'));
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[ext] || 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

if (existsSync(CHROMIUM)) {
  sqliteExamples(
    "the browser example runs as written in a worker on OPFS, bundled, with sqlite3.wasm beside it; a second page sees the first one's row",
    async () => {
      const code = sqliteExample(WORKER_EXAMPLE);
      const project = sqliteProject('atrest-readme-worker-');
      let browser;
      let server;
      try {
        writeFileSync(join(project, 'worker.js'), code);
        const out = join(project, 'public');
        const esbuild = await import('esbuild');
        await esbuild.build({
          absWorkingDir: project,
          entryPoints: [join(project, 'worker.js')],
          outdir: out,
          bundle: true,
          format: 'esm',
          platform: 'browser',
          target: 'es2022',
          logLevel: 'silent',
        });
        writeFileSync(join(out, 'sqlite3.wasm'), readFileSync(join(SQLITE_PACKAGE, 'dist', 'sqlite3.wasm')));
        writeFileSync(join(out, 'index.html'), workerPage(code));
        server = await serveDir(out);
        const origin = `http://127.0.0.1:${server.address().port}`;
        const { chromium } = await import('playwright-core');
        browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
        const context = await browser.newContext();
        const problems = [];
        for (const expected of [1, 2]) {
          const tab = await context.newPage();
          tab.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
          tab.on('console', (msg) => msg.type() === 'error' && problems.push(`console.error: ${msg.text()}`));
          tab.on('response', (r) => r.status() >= 400 && problems.push(`http ${r.status()} for ${r.url()}`));
          await tab.goto(origin + '/');
          await tab.waitForFunction(() => globalThis.__count !== undefined || globalThis.__error !== undefined, null, {
            timeout: 60_000,
          });
          assert.is(await tab.evaluate(() => globalThis.__error), undefined, 'the worker failed');
          assert.is(await tab.evaluate(() => globalThis.__count), expected, `page ${expected}: the row count`);
          assert.equal(problems, []);
          // The page's own view of the OPFS file the worker wrote.
          const bytes = await tab.evaluate(async () => {
            const root = await navigator.storage.getDirectory();
            const file = await (await root.getFileHandle('ledger.atrest')).getFile();
            return [...new Uint8Array(await file.arrayBuffer())];
          });
          assertDatabaseOpaque(Uint8Array.from(bytes), 'hello from a worker', `page ${expected}`);
          await tab.close(); // ends the worker: the file's and the keystore's locks were released by it
        }
      } finally {
        await browser?.close().catch(() => {});
        server?.close();
        rmSync(project, { recursive: true, force: true });
      }
    },
  );
} else {
  console.log(`[readme-examples] ${CHROMIUM} not found: the README's browser atrest/sqlite example is not run`);
}

sqliteExamples.run();
