// Volumes: create, open, byte-range read and write, metadata, the header format's errors (not a
// volume, truncated, unknown version, both copies damaged, tampering), the two copies and their
// repair. Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Volume,
  MemoryBlockStore,
  NotAtrestVolumeError,
  TruncatedHeaderError,
  UnknownVersionError,
  HeaderDamagedError,
  TruncatedDataError,
  VolumeClosedError,
  ReadOnlyVolumeError,
  PolicyViolationError,
  UnsuitableKeyError,
} from '../dist/index.js';
import { forbiddenKms, pattern, rejects, rsaKeyStub, setup, snapshot } from './_lib/envelope.js';
import { assertBytes, sameBytes } from './_lib/assert.js';
import { PATHS } from './_lib/volume-paths.js';

const COPY_SIZE = 16384;

async function fresh(options = {}) {
  const env = setup();
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, {
    kms: env.app,
    size: 20000,
    metadata: { name: 'disk-1', tags: ['a'] },
    ...options,
  });
  return { ...env, store, vol };
}

const basics = suite('volume: create, read, write');

basics('a new volume reads as zeros, keeps its metadata, size and sector size', async () => {
  const { vol } = await fresh();
  assert.is(vol.size, 20000);
  assert.is(vol.sectorSize, 4096);
  assert.is(vol.cipher, 'xts-aes-256');
  assert.match(vol.volumeId, /^[0-9a-f]{32}$/);
  assert.equal(vol.metadata, { name: 'disk-1', tags: ['a'] });
  const m = vol.metadata;
  m.name = 'changed';
  assert.is(vol.metadata.name, 'disk-1', 'metadata is a copy');
  assert.ok((await vol.read(0, 20000)).every((b) => b === 0));
  await vol.close();
});

basics('the store holds no plaintext: sectors are XTS ciphertext, equal plaintext sectors differ', async () => {
  const { store, vol } = await fresh();
  const data = new Uint8Array(8192).fill(0x41);
  await vol.write(0, data);
  const raw = await snapshot(store);
  const dataOffset = 2 * COPY_SIZE;
  const s0 = raw.subarray(dataOffset, dataOffset + 4096);
  const s1 = raw.subarray(dataOffset + 4096, dataOffset + 8192);
  assert.not.ok(sameBytes(s0, s1), 'the tweak differs per sector');
  assert.not.ok(s0.every((b) => b === 0x41));
  const asText = new TextDecoder('latin1').decode(raw);
  assert.not.ok(asText.includes('disk-1'), 'metadata is encrypted');
  await vol.close();
});

basics('bad arguments throw TypeError / RangeError naming the rule, and touch nothing', async () => {
  const none = forbiddenKms();
  const store = new MemoryBlockStore();
  await rejects(Volume.create(store, { kms: none, sectorSize: 256 }), RangeError, /power of two from 512 to 65536/);
  await rejects(Volume.create(store, { kms: none, sectorSize: 3000 }), RangeError, /power of two/);
  await rejects(Volume.create(store, { kms: none, size: -1 }), RangeError, /size must not be negative/);
  await rejects(Volume.create(store, { kms: none, size: 1.5 }), RangeError, /whole number/);
  await rejects(Volume.create(store, { kms: none, headerSize: 5000 }), RangeError, /headerSize/);
  await rejects(
    Volume.create(store, { kms: none, grantTo: 'bob' }),
    TypeError,
    /grantTo must be an IAM or STS principal ARN/,
  );
  await rejects(
    Volume.create(store, { kms: none, encryptionContext: { 'atrest:volume': 'x' } }),
    RangeError,
    /must not contain "atrest:volume"/,
  );
  await rejects(Volume.create(store, { kms: none, scratch: true, keyId: 'alias/x' }), TypeError, /scratch/);
  await rejects(Volume.create({}, { kms: none }), TypeError, /store must be a BlockStore/);
  await rejects(Volume.create(store, { kms: none, metadata: { n: 1n } }), TypeError, /JSON-serializable/);
  assert.is(await store.size(), 0);
  const { vol } = await fresh();
  await rejects(vol.read(-1, 2), RangeError, /offset must not be negative/);
  await rejects(vol.read(0, 20001), RangeError, /read past the end of the volume \(size 20000\)/);
  await rejects(vol.write(0, [1, 2]), TypeError, /bytes must be a Uint8Array/);
  await vol.close();
});

basics('a non-empty store is refused (nothing is overwritten)', async () => {
  const { app } = setup();
  const store = new MemoryBlockStore(Uint8Array.of(1, 2, 3));
  await rejects(Volume.create(store, { kms: app }), RangeError, /not empty \(3 bytes\)/);
  assert.equal([...(await snapshot(store))], [1, 2, 3]);
});

basics('an RSA key is refused with an error that says so; nothing is written', async () => {
  const store = new MemoryBlockStore();
  await rejects(Volume.create(store, { kms: rsaKeyStub(), keyId: 'alias/rsa' }), UnsuitableKeyError, /RSA_2048/);
  assert.is(await store.size(), 0);
});

basics('concurrent writes to one sector do not lose each other (operations run in order)', async () => {
  const { vol } = await fresh();
  const jobs = [];
  for (let i = 0; i < 64; i++) jobs.push(vol.write(i, Uint8Array.of(i + 1)));
  await Promise.all(jobs);
  const got = await vol.read(0, 64);
  assert.equal(
    [...got],
    Array.from({ length: 64 }, (_, i) => i + 1),
  );
  await vol.close();
});

for (const path of PATHS) {
  basics(`${path.name}: writes of any byte range read back, across close and reopen`, async () => {
    const { store, vol, app } = await fresh();
    const volV = path.view(vol);
    const writes = [
      [0, 1],
      [1, 4095],
      [4095, 2],
      [4000, 9000],
      [19999, 1],
      [8192, 4096],
      [100, 0],
    ];
    const model = new Uint8Array(20000);
    let seed = 1;
    for (const [offset, length] of writes) {
      const data = pattern(length, seed++);
      await volV.write(offset, data);
      model.set(data, offset);
    }
    assertBytes(await volV.read(0, 20000), model);
    await vol.close();
    const again = await Volume.open(store, { kms: app });
    const againV = path.view(again);
    assertBytes(await againV.read(0, 20000), model);
    assertBytes(await againV.read(4097, 3), model.subarray(4097, 4100));
    assert.is((await againV.read(777, 0)).length, 0);
    await again.close();
  });

  basics(`${path.name}: writing past the end grows the volume; the gap reads as zeros`, async () => {
    const { store, vol, app } = await fresh({ size: 10 });
    const volV = path.view(vol);
    await volV.write(0, pattern(10, 3));
    await volV.write(50000, Uint8Array.of(9, 9));
    assert.is(vol.size, 50002);
    const all = await volV.read(0, 50002);
    assertBytes(all.subarray(0, 10), pattern(10, 3));
    assert.ok(all.subarray(10, 50000).every((b) => b === 0));
    await vol.close();
    const again = await Volume.open(store, { kms: app });
    const againV = path.view(again);
    assert.is(again.size, 50002);
    assert.equal([...(await againV.read(49999, 3))], [0, 9, 9]);
    await again.close();
  });

  basics(`${path.name}: every valid sector size works; sizes as bigint`, async () => {
    for (const sectorSize of [512, 1024, 65536]) {
      const { app } = setup();
      const store = new MemoryBlockStore();
      const vol = await Volume.create(store, { kms: app, sectorSize, size: 3n * BigInt(sectorSize) + 5n });
      const volV = path.view(vol);
      const data = pattern(sectorSize + 7, sectorSize);
      await volV.write(sectorSize - 3, data);
      await vol.close();
      const again = await Volume.open(store, { kms: app });
      const againV = path.view(again);
      assert.is(again.sectorSize, sectorSize);
      assertBytes(await againV.read(sectorSize - 3, data.length), data);
      await again.close();
    }
  });

  basics(`${path.name}: closed volumes refuse work; close zeroes keys and leaves the store open`, async () => {
    const { vol, store } = await fresh();
    const volV = path.view(vol);
    await vol.close();
    assert.ok(vol.closed);
    await rejects(volV.read(0, 1), VolumeClosedError, /closed/);
    await rejects(volV.write(0, Uint8Array.of(1)), VolumeClosedError);
    assert.ok((await store.size()) > 0, 'the store is still usable by its owner');
    await vol.close();
  });

  basics(`${path.name}: readOnly: writes are refused, the store is never written`, async () => {
    const { store, vol, app } = await fresh();
    const volV = path.view(vol);
    await vol.close();
    const ro = await Volume.open(store, { kms: app, readOnly: true });
    const roV = path.view(ro);
    assert.ok(ro.readOnly);
    await rejects(roV.write(0, Uint8Array.of(1)), ReadOnlyVolumeError);
    await ro.close();
  });
}

const header = suite('volume: header copies, damage and tampering');

async function closedVolume() {
  const { store, vol, app, admin } = await fresh();
  await vol.write(0, pattern(5000, 9));
  await vol.close();
  return { bytes: await snapshot(store), app, admin };
}

header('not an atrest volume, empty store, truncated header, unknown version: distinct errors', async () => {
  const { bytes, app } = await closedVolume();
  await rejects(
    Volume.open(new MemoryBlockStore(), { kms: app }),
    NotAtrestVolumeError,
    /: the store is empty, not an atrest volume$/,
  );
  const e = await rejects(
    Volume.open(new MemoryBlockStore(pattern(100000, 4)), { kms: app }),
    NotAtrestVolumeError,
    /does not start with an atrest header/,
  );
  assert.is(e.code, 'NOT_ATREST_VOLUME');
  for (const cut of [5, 20, 200]) {
    await rejects(
      Volume.open(new MemoryBlockStore(bytes.slice(0, cut)), { kms: app }),
      TruncatedHeaderError,
      /ends inside the header/,
    );
  }
  const future = bytes.slice();
  future[9] = 2; // version 2 in copy 1
  future[COPY_SIZE + 9] = 2; // and in copy 2
  const v = await rejects(Volume.open(new MemoryBlockStore(future), { kms: app }), UnknownVersionError, /version 2/);
  assert.is(v.version, 2);
  assert.is(v.code, 'UNKNOWN_VERSION');
});

header('a damaged copy is ignored and repaired on open; the data is intact', async () => {
  const { bytes, app } = await closedVolume();
  for (const damagedAt of [0, 3, 40, 300, COPY_SIZE, COPY_SIZE + 100]) {
    const broken = bytes.slice();
    broken[damagedAt] ^= 0x20;
    const store = new MemoryBlockStore(broken);
    const vol = await Volume.open(store, { kms: app });
    assertBytes(await vol.read(0, 5000), pattern(5000, 9), `damage at ${damagedAt}`);
    await vol.close();
    const repaired = await snapshot(store);
    assertBytes(
      repaired.subarray(0, 2 * COPY_SIZE),
      bytes.subarray(0, 2 * COPY_SIZE),
      `copy repaired after damage at ${damagedAt}`,
    );
  }
});

header('any altered header byte in both copies gives a clear error, never garbage', async () => {
  const { bytes, app } = await closedVolume();
  // The header length, from the prefix.
  const length = new DataView(bytes.buffer).getUint32(12);
  const allowed = [
    HeaderDamagedError,
    NotAtrestVolumeError,
    TruncatedHeaderError,
    UnknownVersionError,
    PolicyViolationError,
  ];
  const kmsNames = ['WrongEncryptionContextError', 'KeyUnavailableError', 'AccessDeniedError', 'KmsFailureError'];
  for (let at = 0; at < length; at += 7) {
    const broken = bytes.slice();
    broken[at] ^= 0x01;
    broken[COPY_SIZE + at] ^= 0x01;
    let error;
    try {
      const v = await Volume.open(new MemoryBlockStore(broken), { kms: app });
      await v.close();
    } catch (e) {
      error = e;
    }
    assert.ok(error, `flipping byte ${at} of both copies went unnoticed`);
    assert.ok(
      allowed.some((T) => error instanceof T) || kmsNames.includes(error.name),
      `byte ${at}: ${error.name}: ${error.message}`,
    );
  }
});

header('both copies damaged after the wrapped key: HeaderDamagedError', async () => {
  const { bytes, app } = await closedVolume();
  const length = new DataView(bytes.buffer).getUint32(12);
  const broken = bytes.slice();
  broken[length - 40] ^= 1; // inside the sealed part
  broken[COPY_SIZE + length - 1] ^= 1; // the MAC of copy 2
  const e = await rejects(
    Volume.open(new MemoryBlockStore(broken), { kms: app }),
    HeaderDamagedError,
    /both header copies are damaged/,
  );
  assert.is(e.code, 'HEADER_DAMAGED');
});

header('a truncated data area is reported (TruncatedDataError)', async () => {
  const { bytes, app } = await closedVolume();
  await rejects(
    Volume.open(new MemoryBlockStore(bytes.slice(0, bytes.length - 1)), { kms: app }),
    TruncatedDataError,
    /: the volume holds \d+ bytes, which need \d+ bytes of store, but the store has \d+$/,
  );
});

header("a header from another volume does not open this volume's data", async () => {
  const a = await closedVolume();
  const b = await closedVolume();
  const mixed = b.bytes.slice();
  mixed.set(a.bytes.subarray(0, 2 * COPY_SIZE), 0); // a's header over b's data
  const vol = await Volume.open(new MemoryBlockStore(mixed), { kms: a.app });
  // It opens as volume a (its header is intact), and b's sectors decrypt to noise, not b's data.
  assert.not.ok(sameBytes(await vol.read(0, 5000), pattern(5000, 9)));
  await vol.close();
});

header('policy on open: a header the policy refuses costs no KMS call', async () => {
  const { bytes } = await closedVolume();
  await rejects(
    Volume.open(new MemoryBlockStore(bytes), { kms: forbiddenKms(), policy: { sectorSizes: [512] } }),
    PolicyViolationError,
    /sector size 4096/,
  );
  await rejects(
    Volume.open(new MemoryBlockStore(bytes), {
      kms: forbiddenKms(),
      policy: { requiredEncryptionContext: { tenant: 'x' } },
    }),
    PolicyViolationError,
    /tenant/,
  );
  await rejects(
    Volume.open(new MemoryBlockStore(bytes), {
      kms: forbiddenKms(),
      policy: { allowedKeyIds: ['arn:aws:kms:*:999999999999:key/*'] },
    }),
    PolicyViolationError,
    /allowedKeyIds/,
  );
});

basics.run();
header.run();
