// Node only (memory): the model-based volume test. A 256 MiB volume and a plain 256 MiB buffer
// take the same thousands of random writes (random offsets and lengths, sector-aligned or not,
// occasionally large, occasionally growing the volume); random reads must always agree, and so
// must everything after each close and reopen. Also the format checked from outside, with
// node's OpenSSL and @noble/hashes: key derivation, header MAC, sealed metadata, and sector n
// of the store = aes-256-xts with tweak n.
// Seeded: ATREST_SEED=<decimal> node tests/node/volume-model.test.js replays a run.
import process from 'node:process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Volume, MemoryBlockStore, LocalKms } from '../../dist/index.js';
import nodeCrypto from 'node:crypto';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { createPrng, randomSeed } from '../_lib/prng.js';
import { LABELS, parseHeaderCopy } from '../_lib/volume-format.js';

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const OPERATIONS = Number(process.env.ATREST_MODEL_OPS) || 3000;
const REOPEN_EVERY = 500;

const model = suite('volume model (256 MiB, Node)');

model(`${OPERATIONS} random writes and reads agree with a plain buffer, across close/reopen`, async () => {
  const seed = process.env.ATREST_SEED ?? randomSeed();
  const rng = createPrng(seed);
  const kms = new LocalKms().as('arn:aws:iam::111122223333:role/app');
  const store = new MemoryBlockStore();
  const sectorSize = rng.pick([512, 4096, 65536]);
  let vol = await Volume.create(store, { kms, size: SIZE, sectorSize });
  let expected = new Uint8Array(SIZE);
  let size = SIZE;
  const where = (i, what) => `seed ${seed}, sector size ${sectorSize}, operation ${i}: ${what}`;

  const randomRange = () => {
    const r = rng.u32() % 100;
    const length = r < 60 ? rng.int(1, 600) : r < 90 ? rng.int(1, 70_000) : rng.int(1, 4 * MiB);
    const aligned = rng.bool(0.2);
    let offset = rng.int(0, Math.max(0, size - length));
    if (aligned) offset -= offset % sectorSize;
    return [offset, Math.min(length, size - offset)];
  };

  for (let i = 0; i < OPERATIONS; i++) {
    const op = rng.u32() % 100;
    if (op < 50) {
      const [offset, length] = randomRange();
      const data = rng.bytes(length);
      await vol.write(offset, data);
      expected.set(data, offset);
    } else if (op < 51) {
      // Grow: write past the end (the gap must read as zeros).
      const offset = size + rng.int(0, 3 * sectorSize);
      const data = rng.bytes(rng.int(1, 2 * sectorSize));
      await vol.write(offset, data);
      const grown = new Uint8Array(offset + data.length);
      grown.set(expected);
      grown.set(data, offset);
      expected = grown;
      size = grown.length;
      assert.is(vol.size, size, where(i, 'size after growing'));
    } else {
      const [offset, length] = randomRange();
      const got = await vol.read(offset, length);
      if (Buffer.compare(Buffer.from(got), Buffer.from(expected.buffer, offset, length)) !== 0) {
        assert.unreachable(where(i, `read(${offset}, ${length}) differs from the model`));
      }
    }
    if ((i + 1) % REOPEN_EVERY === 0) {
      await vol.close();
      vol = await Volume.open(store, { kms });
      assert.is(vol.size, size, where(i, 'size after reopen'));
    }
  }
  // Everything, once, at the end.
  await vol.close();
  vol = await Volume.open(store, { kms });
  for (let offset = 0; offset < size; offset += 16 * MiB) {
    const length = Math.min(16 * MiB, size - offset);
    const got = await vol.read(offset, length);
    assert.ok(
      Buffer.compare(Buffer.from(got), Buffer.from(expected.buffer, offset, length)) === 0,
      `seed ${seed}: final read at ${offset}`,
    );
  }
  await vol.close();
});

model(
  'the format is what docs/FORMAT.md says: HKDF labels, HMAC, GCM, and sector n = OpenSSL aes-256-xts with tweak n',
  async () => {
    const localKms = new LocalKms();
    const kms = localKms.as('arn:aws:iam::111122223333:role/app');
    const store = new MemoryBlockStore();
    const sectorSize = 4096;
    const vol = await Volume.create(store, {
      kms,
      size: 5 * sectorSize + 100,
      metadata: { hello: 'world' },
      encryptionContext: { app: 'model' },
    });
    const plain = new Uint8Array(5 * sectorSize + 100).map((_, i) => (i * 31) & 255);
    await vol.write(0, plain);
    await vol.close();
    const header = parseHeaderCopy(await store.read(0, 16384));
    assert.is(header.cipher, 'xts-aes-256');
    assert.is(header.dataOffset, 32768);
    const [entry] = header.wrappedKeys;
    assert.equal(entry.encryptionContext, {
      app: 'model',
      'atrest:volume': Buffer.from(header.volumeId).toString('hex'),
    });
    // The data key, as the key service gives it to anyone allowed to Decrypt the wrapped key.
    const dataKey = (
      await kms.decrypt({ CiphertextBlob: entry.ciphertextBlob, EncryptionContext: entry.encryptionContext })
    ).Plaintext;
    const derive = (label, n) => hkdf(sha256, dataKey, undefined, new TextEncoder().encode(label), n);
    const raw = await store.read(0, 16384);
    const macKey = derive(LABELS.headerMac, 32);
    const mac = hmac(sha256, macKey, raw.subarray(0, header.headerLength - 32));
    assert.ok(
      Buffer.from(mac).equals(Buffer.from(header.mac)),
      'HMAC-SHA-256 over the header with the derived MAC key',
    );
    const gcm = nodeCrypto.createDecipheriv('aes-256-gcm', derive(LABELS.metadata, 32), header.nonce);
    gcm.setAAD(raw.subarray(0, header.aadEnd));
    gcm.setAuthTag(header.sealed.subarray(-16));
    const sealedPlain = Buffer.concat([gcm.update(header.sealed.subarray(0, -16)), gcm.final()]);
    assert.is(sealedPlain[0], 1, 'has size');
    assert.is(Number(sealedPlain.readBigUInt64BE(1)), plain.length);
    assert.equal(JSON.parse(sealedPlain.subarray(9).toString()), { hello: 'world' });
    const xtsKey = derive(LABELS.xts, 64);
    for (let n = 0; n < 6; n++) {
      const iv = Buffer.alloc(16);
      iv.writeBigUInt64LE(BigInt(n));
      const decipher = nodeCrypto.createDecipheriv('aes-256-xts', xtsKey, iv);
      const sector = await store.read(header.dataOffset + n * sectorSize, sectorSize);
      const out = Buffer.concat([decipher.update(sector), decipher.final()]);
      const expected = Buffer.alloc(sectorSize);
      Buffer.from(plain.subarray(n * sectorSize, (n + 1) * sectorSize)).copy(expected);
      assert.ok(out.equals(expected), `sector ${n} (the last one zero-padded)`);
    }
    dataKey.fill(0);
  },
);

model.run();
