// Who closes a FileBlockStore (issue 12 item 23): its opener. Volume.close() leaves the store
// open and usable; the README's way (vol.close(), then store.close()) leaves nothing for the
// garbage collector, so Node never warns DEP0137 ("Closing a FileHandle object on garbage
// collection is deprecated"). A store dropped unclosed is closed by atrest's finalizer with its
// own warning naming the file, not DEP0137. Runs a child with --expose-gc (file-store-close-child.mjs).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from './cli-harness.js';

const CHILD = fileURLToPath(new URL('./file-store-close-child.mjs', import.meta.url));
const test = suite('FileBlockStore: who closes it');
let dir;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atrest-store-close-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function child(mode) {
  const r = await runProcess(process.execPath, ['--expose-gc', CHILD, mode, dir]);
  assert.is(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const dep0137 = (warnings) => warnings.filter((w) => w.code === 'DEP0137' || /on garbage collection/.test(w.message));

test('the README way: vol.close() leaves the store usable, store.close() closes it, no DEP0137 after GC', async () => {
  const r = await child('documented');
  assert.is(r.readAfterVolumeClose, 'hello', 'the store stays usable after vol.close()');
  if (r.openAfterVolumeClose !== null) assert.is(r.openAfterVolumeClose, true);
  assert.match(r.readAfterStoreClose, /the store is closed/);
  if (r.openAfterGc !== null) assert.is(r.openAfterGc, false);
  assert.equal(dep0137(r.warnings), []);
  assert.equal(r.warnings, [], 'no warning at all');
});

test('a store dropped without close(): atrest closes the file on GC and warns in its words, never DEP0137', async () => {
  const r = await child('forgotten');
  assert.is(r.readAfterVolumeClose, 'hello');
  assert.equal(dep0137(r.warnings), []);
  const ours = r.warnings.filter((w) => w.code === 'ATREST_UNCLOSED_FILE_BLOCK_STORE');
  assert.is(ours.length, 1, JSON.stringify(r.warnings));
  assert.match(ours[0].message, /forgotten\.atrest was garbage-collected without close\(\)/);
  assert.match(ours[0].message, /Volume\.close\(\) leaves the store open/);
  if (r.openAfterGc !== null) assert.is(r.openAfterGc, false, 'the finalizer closed the file');
});

test.run();
