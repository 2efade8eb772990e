// Every ```js example in README.md that imports `atrest`, `atrest/fs`, `atrest/luks`, `atrest/aws`, `atrest/server` or `atrest/sqlite` runs here, as written,
// with those specifiers pointed at this checkout's dist/ — so the README cannot drift from the
// API. Each example runs as its own module in a fresh temporary directory (examples may write
// files such as ./keys.atrest) and must finish without throwing. Node only: the examples use
// top-level await and, for atrest/fs, the file system. The Deno examples (`npm:atrest`, a
// relative checkout path) are run by deno-import.test.js.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

const runnable = jsExamples(readme).filter((e) => /from 'atrest(\/fs|\/luks|\/aws|\/server|\/sqlite)?'/.test(e.code));
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
