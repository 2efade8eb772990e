// A separate process for tests/node/kms-wire-envelope.test.js: works on atrest volumes in files
// through atrest/aws → `atrest serve`, as the principal of the access key in its environment.
//   own <dir> <name> <key1> <key2> <count>   create, write, close, reopen, rewrap key1 → key2,
//                                            reopen, read and check `count` volumes
//   share <path> <key> <grantee>             create one volume granted to `grantee`
//   read <path>                              open read-only and print its first bytes' hash
// Prints one JSON line: { ok: … } or { error: name, message }.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { Volume } from '../../../dist/index.js';
import { FileBlockStore } from '../../../dist/fs/index.js';
import { kmsClientFromAws } from '../../../dist/kms/aws/index.js';

const [mode, ...args] = process.argv.slice(2);
const kms = kmsClientFromAws(new KMSClient({ endpoint: process.env.ATREST_KMS_ENDPOINT, region: 'us-east-1' }));
const context = { service: 'files' };
const data = (seed, n) => {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
};
const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

try {
  if (mode === 'own') {
    const [dir, name, key1, key2, count] = args;
    for (let i = 0; i < Number(count); i++) {
      const path = join(dir, `${name}-${i}.vol`);
      const expected = data(i + name.length * 1000, 20_000);
      let store = await FileBlockStore.open(path, { create: true });
      const vol = await Volume.create(store, { kms, keyId: key1, encryptionContext: context, size: 64 * 1024 });
      await vol.write(100, expected);
      await vol.close();
      store = await FileBlockStore.open(path);
      const again = await Volume.open(store, { kms });
      if (!same(await again.read(100, 20_000), expected)) throw new Error(`${path}: read after reopen differs`);
      await again.rewrap({ kms, keyId: key2 });
      await again.close();
      store = await FileBlockStore.open(path);
      const rewrapped = await Volume.open(store, { kms });
      if (rewrapped.keyIds[0] !== key2) throw new Error(`${path}: not rewrapped to ${key2} (${rewrapped.keyIds})`);
      if (!same(await rewrapped.read(100, 20_000), expected)) throw new Error(`${path}: read after rewrap differs`);
      await rewrapped.close();
    }
    console.log(JSON.stringify({ ok: Number(count) }));
  } else if (mode === 'share') {
    const [path, key, grantee] = args;
    const store = await FileBlockStore.open(path, { create: true });
    const vol = await Volume.create(store, {
      kms,
      keyId: key,
      encryptionContext: context,
      size: 16 * 1024,
      grantTo: grantee,
    });
    await vol.write(0, data(7, 4096));
    await vol.close();
    console.log(JSON.stringify({ ok: createHash('sha256').update(data(7, 4096)).digest('hex') }));
  } else if (mode === 'read') {
    const store = await FileBlockStore.open(args[0], { readOnly: true });
    const vol = await Volume.open(store, { kms, readOnly: true });
    const bytes = await vol.read(0, 4096);
    await vol.close();
    console.log(JSON.stringify({ ok: createHash('sha256').update(bytes).digest('hex') }));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (e) {
  console.log(JSON.stringify({ error: e.name, message: e.message }));
}
