// @aws-sdk/client-kms is an optional peer dependency: only atrest/aws may load it. Walks the
// static import graph of dist/index.js (what `import 'atrest'` and the Deno import load: the
// bundled core, whose `// build/tsc/<module>` comments name every module esbuild put in it) and
// reads dist/atrest.global.js: neither reaches the SDK or the server's node: modules. And the
// package declares the SDK as an optional peer, pinned as a devDependency.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli-harness.js';
import { importGraph } from './module-graph.js';

/** The graph with lazily imported parts, and every package it names, statically or by import(). */
function graphOf(entry) {
  const g = importGraph(entry, { followDynamic: true });
  return { files: g.files, external: [...g.staticBare, ...g.dynamicBare] };
}

test('import "atrest" never reaches @aws-sdk or atrest/server; atrest/aws does', () => {
  const core = graphOf(join(ROOT, 'dist/index.js'));
  assert.ok(
    core.files.some((f) => f.endsWith('/chunks/core.js')),
    'the walk found the core',
  );
  const modules = core.files.flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/^\/\/ build\/tsc\/(\S+)$/gm)].map((m) => m[1]),
  );
  assert.ok(modules.includes('kms/local-kms.js'), 'the core names the modules it holds');
  assert.not.ok(
    core.external.some((s) => s.startsWith('@aws-sdk') || s.startsWith('@aws-crypto')),
    core.external.join(', '),
  );
  assert.not.ok(
    modules.some((m) => m.startsWith('kms/server/') || m.startsWith('kms/aws/')),
    modules.join(', '),
  );
  const aws = graphOf(join(ROOT, 'dist/kms/aws/index.js'));
  assert.ok(aws.external.includes('@aws-sdk/client-kms'));
});

test('dist/atrest.global.js holds no AWS SDK code', () => {
  const bundle = readFileSync(join(ROOT, 'dist/atrest.global.js'), 'utf8');
  for (const needle of ['@aws-sdk', 'KMSClient', 'TrentService', 'smithy'])
    assert.not.ok(bundle.includes(needle), `bundle contains ${needle}`);
});

test('package.json: the SDK is an optional peer dependency and a pinned devDependency', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.ok(pkg.peerDependencies['@aws-sdk/client-kms']);
  assert.is(pkg.peerDependenciesMeta['@aws-sdk/client-kms'].optional, true);
  assert.match(pkg.devDependencies['@aws-sdk/client-kms'], /^\d+\.\d+\.\d+$/);
  assert.not.ok('@aws-sdk/client-kms' in (pkg.dependencies ?? {}));
  assert.equal(pkg.exports['./aws'], { types: './dist/kms/aws/index.d.ts', default: './dist/kms/aws/index.js' });
});

test.run();
