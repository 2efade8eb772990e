// encryptStream / decryptStream: round trips of every awkward length, any chunking, bounded
// memory, truncation and splicing detected, random access through Volume.open (read-only).
// Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  encryptStream,
  decryptStream,
  Volume,
  MemoryBlockStore,
  TruncatedDataError,
  ReadOnlyVolumeError,
  PolicyViolationError,
  WrongEncryptionContextError,
} from '../dist/index.js';
import { chunked, collect, forbiddenKms, pattern, rejects, setup, throws } from './_lib/envelope.js';
import { assertBytes, sameBytes } from './_lib/assert.js';

const streams = suite('streams: encrypt, decrypt, random access');

async function roundTrip(kms, plain, { inChunk = 1000, outChunk = 777, sectorSize } = {}) {
  const encrypted = await collect(
    chunked(plain, inChunk).pipeThrough(encryptStream({ kms, sectorSize, metadata: { length: plain.length } })),
  );
  const decrypted = await collect(chunked(encrypted, outChunk).pipeThrough(decryptStream({ kms })));
  return { encrypted, decrypted };
}

streams('exact length restored: empty, under 16 bytes, sector edges, many sectors', async () => {
  const { app } = setup();
  for (const n of [0, 1, 15, 16, 17, 511, 512, 4095, 4096, 4097, 3 * 4096, 100_003]) {
    const plain = pattern(n, n + 1);
    const { encrypted, decrypted } = await roundTrip(app, plain);
    assertBytes(decrypted, plain, `length ${n}`);
    assert.not.ok(
      n >= 64 &&
        encrypted.some(
          (_, i) => i + 64 <= encrypted.length && sameBytes(encrypted.subarray(i, i + 64), plain.subarray(0, 64)),
        ),
      'no plaintext in the output',
    );
  }
});

streams('chunking does not matter (1-byte chunks, one big chunk, odd sizes), nor the sector size', async () => {
  const { app } = setup();
  const plain = pattern(10_000, 3);
  for (const [inChunk, outChunk, sectorSize] of [
    [1, 100_000, 512],
    [100_000, 1, 512],
    [333, 4099, 4096],
    [4096, 4096, 65536],
  ]) {
    const { decrypted } = await roundTrip(app, plain, { inChunk, outChunk, sectorSize });
    assertBytes(decrypted, plain, `${inChunk}/${outChunk}/${sectorSize}`);
  }
});

streams('the output opens with Volume.open, read-only, for random access of any range', async () => {
  const { app } = setup();
  const plain = pattern(50_000, 8);
  const { encrypted } = await roundTrip(app, plain);
  const vol = await Volume.open(new MemoryBlockStore(encrypted), { kms: app });
  assert.ok(vol.readOnly);
  assert.is(vol.size, 50_000);
  assert.equal(vol.metadata, { length: 50_000 });
  for (const [o, l] of [
    [0, 1],
    [4095, 2],
    [12_345, 20_000],
    [49_999, 1],
    [0, 50_000],
  ]) {
    assertBytes(await vol.read(o, l), plain.subarray(o, o + l), `${o}+${l}`);
  }
  await rejects(vol.read(49_999, 2), RangeError, /past the end/);
  await rejects(vol.write(0, Uint8Array.of(1)), ReadOnlyVolumeError);
  await vol.close();
});

streams('an encrypted stream takes header-only changes: rewrap moves its key, the data stays read-only', async () => {
  const env = setup();
  const plain = pattern(20_000, 12);
  const { encrypted } = await roundTrip(env.app, plain);
  const store = new MemoryBlockStore(encrypted);
  const dataBefore = (await store.read(0, await store.size())).slice();
  const k2 = (await env.admin.createKey({})).KeyMetadata;
  const vol = await Volume.open(store, { kms: env.app });
  assert.ok(vol.readOnly, 'the data of a stream cannot be written');
  await vol.rewrap({ keyId: k2.Arn });
  assert.equal(vol.keyIds, [k2.Arn]);
  await rejects(vol.write(0, Uint8Array.of(1)), ReadOnlyVolumeError);
  await vol.close();
  const after = await store.read(0, await store.size());
  assert.is(after.length, dataBefore.length, 'rewrap changes no length');
  const again = await Volume.open(store, { kms: env.app });
  assert.equal(again.keyIds, [k2.Arn]);
  assertBytes(await again.read(0, plain.length), plain);
  await again.close();
  const decrypted = await collect(chunked(after, 4096).pipeThrough(decryptStream({ kms: env.app })));
  assertBytes(decrypted, plain, 'decryptStream reads the rewrapped stream');
  const ro = await Volume.open(store, { kms: env.app, readOnly: true });
  await rejects(ro.rewrap({ keyId: 'alias/aws/atrest' }), ReadOnlyVolumeError);
  await ro.close();
});

streams('a "__proto__" context key is bound into the header and checked, never dropped (issue 12 item 7)', async () => {
  const env = setup();
  const plain = pattern(5000, 3);
  const encrypted = await collect(
    chunked(plain, 999).pipeThrough(
      encryptStream({ kms: env.app, encryptionContext: JSON.parse('{"__proto__":"acme"}') }),
    ),
  );
  const ok = await collect(
    chunked(encrypted, 4096).pipeThrough(
      decryptStream({ kms: env.app, policy: { requiredEncryptionContext: JSON.parse('{"__proto__":"acme"}') } }),
    ),
  );
  assertBytes(ok, plain);
  await rejects(
    collect(
      chunked(encrypted, 4096).pipeThrough(
        decryptStream({ kms: env.app, policy: { requiredEncryptionContext: JSON.parse('{"__proto__":"globex"}') } }),
      ),
    ),
    PolicyViolationError,
  );
});

// Chunks are batches: 1 MiB on the calling thread, 4 MiB on Node's worker pool (past a stream's
// first 4 MiB, gathered from the chunks, each result an array of its own: src/envelope/bulk-xts.ts).
streams('memory stays bounded: a 32 MiB stream decrypts with each output chunk at most 4 MiB', async () => {
  const { app } = setup();
  const total = 32 * 1024 * 1024;
  const block = pattern(65536, 11);
  let produced = 0;
  const source = new ReadableStream({
    pull(c) {
      if (produced >= total) return c.close();
      c.enqueue(block.slice());
      produced += block.length;
    },
  });
  let largest = 0;
  let received = 0;
  let mismatch = false;
  const sink = new WritableStream({
    write(chunk) {
      largest = Math.max(largest, chunk.length);
      for (let i = 0; i < chunk.length; i += 4093) if (chunk[i] !== block[(received + i) % 65536]) mismatch = true;
      received += chunk.length;
    },
  });
  await source
    .pipeThrough(encryptStream({ kms: app }))
    .pipeThrough(decryptStream({ kms: app }))
    .pipeTo(sink);
  assert.is(received, total);
  assert.not.ok(mismatch);
  assert.ok(largest <= 4 << 20, `largest chunk ${largest}`);
});

streams('a stream cut short, extended, or with its trailer replaced errors with TruncatedDataError', async () => {
  const { app } = setup();
  const plain = pattern(20_000, 4);
  const { encrypted } = await roundTrip(app, plain);
  const other = (await roundTrip(app, pattern(20_000, 5))).encrypted;
  const variants = {
    'cut by one byte': encrypted.slice(0, -1),
    'cut by a sector': encrypted.slice(0, -4096),
    'cut to the header': encrypted.slice(0, 8192),
    'one byte more': new Uint8Array([...encrypted, 0]),
    "another stream's trailer": new Uint8Array([...encrypted.subarray(0, -36), ...other.subarray(-36)]),
  };
  for (const [name, bytes] of Object.entries(variants)) {
    await rejects(
      collect(chunked(bytes, 5000).pipeThrough(decryptStream({ kms: app }))),
      TruncatedDataError,
      undefined,
      name,
    );
    await rejects(Volume.open(new MemoryBlockStore(bytes), { kms: app }), TruncatedDataError, undefined, name);
  }
});

streams('decryptStream obeys the policy before any KMS call, and KMS errors come through', async () => {
  const { app, admin } = setup();
  const { encrypted } = await roundTrip(app, pattern(100, 1));
  await rejects(
    collect(
      chunked(encrypted, 999).pipeThrough(decryptStream({ kms: forbiddenKms(), policy: { sectorSizes: [512] } })),
    ),
    PolicyViolationError,
  );
  const key = (await admin.createKey({})).KeyMetadata;
  const withContext = await collect(
    chunked(pattern(100, 1), 50).pipeThrough(
      encryptStream({ kms: app, keyId: key.Arn, encryptionContext: { file: 'a.txt' } }),
    ),
  );
  const back = await collect(
    chunked(withContext, 4096).pipeThrough(
      decryptStream({ kms: app, policy: { requiredEncryptionContext: { file: 'a.txt' } } }),
    ),
  );
  assertBytes(back, pattern(100, 1));
  // Altering the context stored in the header: the key service refuses it.
  const text = new TextDecoder('latin1').decode(withContext);
  const at = text.indexOf('a.txt');
  const altered = withContext.slice();
  altered[at] = 'b'.charCodeAt(0);
  altered[at + 4096] = 'b'.charCodeAt(0); // copy 2 (copy size 4096)
  await rejects(collect(chunked(altered, 4096).pipeThrough(decryptStream({ kms: app }))), WrongEncryptionContextError);
});

streams('bad arguments throw at once', () => {
  throws(() => encryptStream(null), TypeError, /options must be an object/);
  throws(() => encryptStream({ kms: forbiddenKms(), sectorSize: 7 }), RangeError, /sectorSize/);
  throws(
    () => encryptStream({ kms: forbiddenKms(), encryptionContext: { 'atrest:volume': 'x' } }),
    RangeError,
    /atrest:volume/,
  );
  throws(() => decryptStream({ kms: 1 }), TypeError, /kms must be a KmsClient/);
});

streams.run();
