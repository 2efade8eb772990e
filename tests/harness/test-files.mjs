// Which test files a runner runs (Node side of every runner): all of its directories by default,
// or only the files named on its command line (`node tests/run-node.mjs tests/gcm.test.js`), each
// of which must exist and belong to that runner's directories — a mistyped name is an error, not
// a green run of nothing. The harness's own fixtures (tests/harness/fixtures: a failing test, an
// empty file, a crash on import, …) run only when named, in every runner, so
// tests/node/test-runners.test.js can prove each runner fails on them.

import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const TEST_FILE = /\.test\.m?js$/;

/** Test files of one directory, sorted, as {name, url}. */
export function listTestFiles(root, dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((d) => d.isFile() && TEST_FILE.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((n) => ({ name: relative(root, join(abs, n)), url: pathToFileURL(join(abs, n)).href }));
}

/**
 * The files a runner runs: every test file of `dirs` (relative to ROOT) when `args` is empty,
 * else exactly the named ones. Throws an Error naming the rule for a name that is not a test
 * file of those directories.
 */
export function selectTestFiles(dirs, args) {
  const all = dirs.flatMap((d) => listTestFiles(ROOT, d));
  if (args.length === 0) return all;
  all.push(...listTestFiles(ROOT, join('tests', 'harness', 'fixtures')));
  return args.map((arg) => {
    const name = relative(ROOT, resolve(arg)).split(sep).join('/');
    const found = all.find((f) => f.name.split(sep).join('/') === name);
    if (!found) {
      throw new Error(`${arg}: not a test file this runner runs (it runs *.test.js in ${dirs.join(', ')})`);
    }
    return found;
  });
}
