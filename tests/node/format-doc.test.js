// Node only: docs/FORMAT.md is what scripts/format-doc.mjs writes from the current code (its
// hex dumps and field table cannot drift from the format).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const doc = suite('docs/FORMAT.md');

doc('is current (node scripts/format-doc.mjs --check)', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const out = execFileSync(process.execPath, ['scripts/format-doc.mjs', '--check'], { cwd: root, encoding: 'utf8' });
  assert.match(out, /is current/);
});

doc.run();
