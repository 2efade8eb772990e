// Header copy 2 as the fallback (issue 12 items 3 and 11). Every byte of copy 1 of a volume and
// of an encrypted stream is damaged in turn (one bit flipped, a different bit per byte, all eight
// in the fixed prefix where the size fields are): each must still open through copy 2 with
// identical content, whatever the damaged copy 1 says. And the maxWrappedKeys bound holds per
// open: two copies with different wrapped keys cost at most maxWrappedKeys Decrypt calls.
// Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore, Volume, encryptStream, decryptStream } from '../dist/index.js';
import { chunked, collect, counting, pattern, rejects, setup, snapshot } from './_lib/envelope.js';
import { assertBytes } from './_lib/assert.js';

const PREFIX = 28;
const headerLength = (bytes) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(12);

/** Copy-1 damages: a list of [offset, xor]. All 8 bit flips in the prefix, one per byte after. */
function damages(length) {
  const out = [];
  for (let i = 0; i < length; i++) {
    if (i < PREFIX) for (let b = 0; b < 8; b++) out.push([i, 1 << b]);
    else out.push([i, 1 << (i % 8)]);
  }
  return out;
}

const copies = suite('copy 2 opens whatever the damage to copy 1');

copies('a volume: every byte of copy 1 damaged in turn, each opens via copy 2 with the same data', async () => {
  const env = setup();
  const k1 = (await env.admin.createKey({})).KeyMetadata.Arn;
  const k2 = (await env.admin.createKey({})).KeyMetadata.Arn;
  const data = pattern(2000, 3);
  // One wrapped key (nothing else to fall back on) and two (copy 1 damaged in the first).
  for (const twoKeys of [false, true]) {
    const store = new MemoryBlockStore();
    const vol = await Volume.create(store, {
      kms: env.app,
      keyId: k1,
      size: 2000,
      sectorSize: 512,
      metadata: { m: 1 },
      encryptionContext: { tenant: 'acme' },
    });
    await vol.write(0, data);
    if (twoKeys) await vol.addKey({ keyId: k2 });
    await vol.close();
    const bytes = await snapshot(store);
    const length = headerLength(bytes);
    const list = damages(length);
    for (const [at, xor] of list) {
      const damaged = bytes.slice();
      damaged[at] ^= xor;
      let reopened;
      try {
        reopened = await Volume.open(new MemoryBlockStore(damaged), { kms: env.app, readOnly: true });
      } catch (e) {
        assert.unreachable(`copy-1 byte ${at} ^ ${xor}: open failed: ${e.message}`);
      }
      assert.equal(reopened.keyIds, twoKeys ? [k1, k2] : [k1], `byte ${at}: keys`);
      assert.equal(reopened.metadata, { m: 1 }, `byte ${at}: metadata`);
      assertBytes(await reopened.read(0, reopened.size), data, `byte ${at}: data`);
      await reopened.close();
    }
    assert.ok(list.length > length, `${list.length} damages over ${length} header bytes`);
  }
});

copies('a stream: every byte of copy 1 damaged in turn, each decrypts via copy 2 to the same plaintext', async () => {
  const env = setup();
  const plain = pattern(5000, 5);
  const encrypted = await collect(
    chunked(plain, 1000).pipeThrough(
      encryptStream({ kms: env.app, sectorSize: 512, encryptionContext: { tenant: 'acme' } }),
    ),
  );
  const length = headerLength(encrypted);
  for (const [at, xor] of damages(length)) {
    const damaged = encrypted.slice();
    damaged[at] ^= xor;
    let out;
    try {
      out = await collect(chunked(damaged, 700).pipeThrough(decryptStream({ kms: env.app })));
    } catch (e) {
      assert.unreachable(`copy-1 byte ${at} ^ ${xor}: decrypt failed: ${e.message}`);
    }
    assertBytes(out, plain, `byte ${at}`);
  }
});

copies(
  'a copy 1 whose size field is damaged to another valid size still finds copy 2 (volume and stream)',
  async () => {
    const env = setup();
    const store = new MemoryBlockStore();
    const vol = await Volume.create(store, { kms: env.app, size: 1000, sectorSize: 512 });
    await vol.write(0, pattern(1000, 8));
    await vol.close();
    const bytes = await snapshot(store);
    const view = new DataView(bytes.buffer);
    assert.is(view.getUint32(16), 16384, 'the volume has 16 KiB copies');
    for (const size of [4096, 8192, 32768, 65536]) {
      const damaged = bytes.slice();
      new DataView(damaged.buffer).setUint32(16, size);
      const reopened = await Volume.open(new MemoryBlockStore(damaged), { kms: env.app });
      assertBytes(await reopened.read(0, 1000), pattern(1000, 8), `copy 1 says ${size}`);
      await reopened.close();
    }
    const encrypted = await collect(
      chunked(pattern(3000, 2), 1000).pipeThrough(encryptStream({ kms: env.app, sectorSize: 512 })),
    );
    const streamSize = new DataView(encrypted.buffer).getUint32(16);
    for (const size of [streamSize * 2, streamSize * 4]) {
      const damaged = encrypted.slice();
      new DataView(damaged.buffer).setUint32(16, size);
      assertBytes(
        await collect(chunked(damaged, 512).pipeThrough(decryptStream({ kms: env.app }))),
        pattern(3000, 2),
        `stream copy 1 says ${size}`,
      );
    }
  },
);

async function splicedCopies(env, perCopy) {
  const keys = [];
  for (let i = 0; i < 2 * perCopy; i++) keys.push((await env.admin.createKey({})).KeyMetadata.Arn);
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: env.app, keyId: keys[0], size: 1000, sectorSize: 512 });
  for (let i = 1; i < perCopy; i++) await vol.addKey({ keyId: keys[i] });
  const first = await snapshot(store);
  // Swap every wrapped key for another: a second, newer header.
  for (let i = perCopy; i < 2 * perCopy; i++) {
    await vol.removeKey(keys[i - perCopy]);
    await vol.addKey({ keyId: keys[i] });
  }
  await vol.close();
  const spliced = await snapshot(store);
  spliced.set(first.subarray(0, 16384), 0); // copy 1: the first keys; copy 2: the others
  for (const k of keys) await env.admin.disableKey({ KeyId: k });
  return spliced;
}

copies('issue 12 item 11: maxWrappedKeys bounds the Decrypt calls of one open, not of each copy', async () => {
  const env = setup();
  for (const [perCopy, max, expected] of [
    [8, undefined, 8],
    [8, 8, 8],
    [5, 6, 6],
    [3, 8, 6],
  ]) {
    const spliced = await splicedCopies(env, perCopy);
    const kms = counting(env.app);
    await rejects(
      Volume.open(new MemoryBlockStore(spliced), { kms, policy: max === undefined ? {} : { maxWrappedKeys: max } }),
    );
    const decrypts = kms.calls.filter((c) => c === 'decrypt').length;
    assert.is(
      decrypts,
      expected,
      `${perCopy} distinct wrapped keys per copy, maxWrappedKeys ${max ?? 'default 8'}: ${decrypts} Decrypt calls`,
    );
  }
});

copies.run();
