// Child of file-store-close.test.js, run as `node --expose-gc file-store-close-child.mjs <mode>
// <dir>`: a volume on a FileBlockStore, the README's way ("documented": vol.close(), then
// store.close()) or with the store forgotten ("forgotten": vol.close() only); then garbage
// collection, and one JSON line on stdout: the process warnings, the store's state after
// vol.close(), and whether the file is still open (Linux: /proc/self/fd).
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { FileBlockStore } from '../../dist/fs/index.js';
import { LocalKms, Volume } from '../../dist/index.js';

const [mode, dir] = process.argv.slice(2);
const path = join(dir, `${mode}.atrest`);
const warnings = [];
process.on('warning', (w) => warnings.push({ name: w.name, code: w.code ?? null, message: w.message }));

function fileOpen() {
  try {
    return readdirSync('/proc/self/fd').some((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return null; // no /proc: not known
  }
}

const kms = new LocalKms().as('arn:aws:iam::111122223333:role/app');
const report = { mode };

async function useVolume() {
  const store = await FileBlockStore.open(path, { create: true });
  const vol = await Volume.create(store, { kms, encryptionContext: { app: 'photos' }, size: 1 << 16 });
  await vol.write(0, new TextEncoder().encode('hello'));
  await vol.close();
  // The documented ownership: after vol.close() the store is still open and usable.
  const again = await Volume.open(store, { kms });
  report.readAfterVolumeClose = new TextDecoder().decode(await again.read(0, 5));
  await again.close();
  report.openAfterVolumeClose = fileOpen();
  if (mode === 'documented') {
    await store.close();
    report.readAfterStoreClose = await store.read(0, 1).then(
      () => 'read',
      (e) => e.message,
    );
  }
}

await useVolume();
for (let i = 0; i < 10; i++) {
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
}
report.openAfterGc = fileOpen();
report.warnings = warnings;
console.log(JSON.stringify(report));
