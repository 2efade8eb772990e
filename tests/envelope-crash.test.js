// Crash safety: a BlockStore wrapper fails every write after the first N (optionally tearing the
// failing one in half), for every N an operation uses; the store must then open with the old or
// the new header and the data intact. And: nothing is written to a store when an operation
// fails before its writes (KMS refusal, policy, bad input). Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  Volume,
  MemoryBlockStore,
  KeyUnavailableError,
  PolicyViolationError,
  AccessDeniedError,
} from '../dist/index.js';
import { CrashingStore, RecordingStore, pattern, rejects, setup, snapshot } from './_lib/envelope.js';
import { assertBytes, sameBytes } from './_lib/assert.js';

const SIZE = 12000;

/** A closed volume with known data on k1, and a second key k2; returns its bytes. */
async function baseline() {
  const env = setup();
  const k1 = (await env.admin.createKey({})).KeyMetadata;
  const k2 = (await env.admin.createKey({})).KeyMetadata;
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: env.app, keyId: k1.Arn, size: SIZE, metadata: { v: 1 } });
  await vol.write(0, pattern(SIZE, 21));
  await vol.close();
  return { env, k1, k2, bytes: await snapshot(store) };
}

/** Runs `operation` on a volume opened over a CrashingStore allowing `allowed` writes. */
async function runWithCrash(bytes, env, allowed, torn, operation) {
  const inner = new MemoryBlockStore(bytes);
  const store = new CrashingStore(inner);
  const vol = await Volume.open(store, { kms: env.app });
  store.allowedWrites = allowed;
  store.torn = torn;
  let failed = false;
  try {
    await operation(vol);
  } catch {
    failed = true;
  }
  return { inner, store, failed };
}

async function countWrites(bytes, env, operation) {
  const { store, failed } = await runWithCrash(bytes, env, Infinity, false, operation);
  assert.not.ok(failed, 'the operation succeeds without a crash');
  return store.writes;
}

const HEADER_OPERATIONS = {
  rewrap: (ctx) => (vol) => vol.rewrap({ keyId: ctx.k2.Arn }),
  addKey: (ctx) => (vol) => vol.addKey({ keyId: ctx.k2.Arn }),
  // Growth is recorded in the header at flush (amortised growth): the operation is write + flush.
  'grow (size change)': () => async (vol) => {
    await vol.write(SIZE + 5000, pattern(100, 5));
    await vol.flush();
  },
};

const crash = suite('crash at each write of a header update');

for (const [name, make] of Object.entries(HEADER_OPERATIONS)) {
  crash(`${name}: a crash at any write leaves a volume that opens with the old or the new header`, async () => {
    const ctx = await baseline();
    const operation = make(ctx);
    const total = await countWrites(ctx.bytes, ctx.env, operation);
    assert.ok(total >= 2, `${name} writes both header copies (${total} writes)`);
    for (const torn of [false, true]) {
      for (let allowed = 0; allowed < total; allowed++) {
        const { inner, failed } = await runWithCrash(ctx.bytes, ctx.env, allowed, torn, operation);
        // A crash before copy 1 is durable fails the operation; one after it (at copy 2) does not:
        // the change is committed then, and a reported success must mean the new header.
        if (allowed === 0) assert.ok(failed, 'a crash at the first write makes the operation fail');
        const reopened = await Volume.open(new MemoryBlockStore(await snapshot(inner)), { kms: ctx.env.app });
        assertBytes(
          await reopened.read(0, SIZE),
          pattern(SIZE, 21),
          `data intact after a crash at write ${allowed + 1}${torn ? ' (torn)' : ''}`,
        );
        assert.equal(reopened.metadata, { v: 1 });
        const keys = reopened.keyIds.join(',');
        if (name === 'rewrap') assert.ok(keys === ctx.k2.Arn || (failed && keys === ctx.k1.Arn), keys);
        if (name === 'addKey')
          assert.ok(keys === `${ctx.k1.Arn},${ctx.k2.Arn}` || (failed && keys === ctx.k1.Arn), keys);
        if (name.startsWith('grow'))
          assert.ok(reopened.size === SIZE + 5100 || (failed && reopened.size === SIZE), String(reopened.size));
        await reopened.close();
      }
    }
  });
}

crash('removeKey: crash at every write leaves one or two keys, always openable', async () => {
  const ctx = await baseline();
  const store = new MemoryBlockStore(ctx.bytes);
  const vol = await Volume.open(store, { kms: ctx.env.app });
  await vol.addKey({ keyId: ctx.k2.Arn });
  await vol.close();
  const bytes = await snapshot(store);
  const operation = (v) => v.removeKey(ctx.k1.Arn);
  const total = await countWrites(bytes, ctx.env, operation);
  for (let allowed = 0; allowed < total; allowed++) {
    const { inner } = await runWithCrash(bytes, ctx.env, allowed, true, operation);
    const reopened = await Volume.open(new MemoryBlockStore(await snapshot(inner)), { kms: ctx.env.app });
    assert.ok([`${ctx.k1.Arn},${ctx.k2.Arn}`, ctx.k2.Arn].includes(reopened.keyIds.join(',')));
    assertBytes(await reopened.read(0, SIZE), pattern(SIZE, 21));
    await reopened.close();
  }
});

crash('after a crash between the two copies, open rolls forward to the newer copy and repairs the other', async () => {
  const ctx = await baseline();
  const operation = (vol) => vol.rewrap({ keyId: ctx.k2.Arn });
  // Write 1 = copy 1, flush, write 2 = copy 2: allow exactly one write.
  const { inner } = await runWithCrash(ctx.bytes, ctx.env, 1, false, operation);
  const bytes = await snapshot(inner);
  assert.not.ok(sameBytes(bytes.subarray(0, 16384), bytes.subarray(16384, 32768)), 'the copies differ after the crash');
  const store = new MemoryBlockStore(bytes);
  const vol = await Volume.open(store, { kms: ctx.env.app });
  assert.equal(vol.keyIds, [ctx.k2.Arn], 'the newer header wins');
  await vol.close();
  const repaired = await snapshot(store);
  assertBytes(repaired.subarray(0, 16384), repaired.subarray(16384, 32768), 'repaired');
});

const nothing = suite('nothing is written when an operation fails');

nothing('create refused by the key service, by the policy, or for bad input writes nothing', async () => {
  const env = setup();
  const disabled = (await env.admin.createKey({})).KeyMetadata;
  await env.admin.disableKey({ KeyId: disabled.KeyId });
  const cases = [
    [{ keyId: disabled.Arn }, KeyUnavailableError],
    [{ keyId: 'alias/none' }, KeyUnavailableError],
    [{ policy: { allowedKeyIds: ['alias/other'] } }, PolicyViolationError],
    [{ sectorSize: 100 }, RangeError],
    [
      {
        grantTo: 'arn:aws:iam::111122223333:role/x',
        keyId: (
          await env.admin.createKey({
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: 'arn:aws:iam::111122223333:user/admin' },
                  Action: 'kms:*',
                  Resource: '*',
                },
                {
                  Effect: 'Allow',
                  Principal: { AWS: 'arn:aws:iam::111122223333:role/app' },
                  Action: ['kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:Decrypt'],
                  Resource: '*',
                },
              ],
            }),
          })
        ).KeyMetadata.Arn,
      },
      AccessDeniedError,
    ],
    [{ metadata: 'x'.repeat(20000) }, RangeError],
  ];
  for (const [options, Type] of cases) {
    const store = new RecordingStore();
    await rejects(Volume.create(store, { kms: env.app, size: 4096, ...options }), Type);
    assert.equal(store.mutations, [], `${Type.name}: no write`);
  }
});

nothing('rewrap / addKey / removeKey / write refused before writing leave the store byte-identical', async () => {
  const ctx = await baseline();
  const store = new RecordingStore(new MemoryBlockStore(ctx.bytes));
  const vol = await Volume.open(store, { kms: ctx.env.app, policy: { allowedKeyIds: [ctx.k1.Arn] } });
  await ctx.env.admin.disableKey({ KeyId: ctx.k2.KeyId });
  await rejects(vol.rewrap({ keyId: ctx.k2.Arn }), PolicyViolationError);
  await rejects(vol.addKey({ keyId: 'alias/none' }), PolicyViolationError);
  await rejects(vol.removeKey(ctx.k1.Arn), RangeError);
  await rejects(vol.write(-5, pattern(3)), RangeError);
  await rejects(vol.read(SIZE, 1), RangeError);
  await vol.close();
  const open2 = await Volume.open(store, { kms: ctx.env.app });
  await rejects(open2.rewrap({ keyId: ctx.k2.Arn }), KeyUnavailableError);
  await open2.close();
  assert.equal(store.mutations, []);
  assertBytes(await snapshot(store), ctx.bytes);
});

nothing('open refused (policy, KMS) never repairs or writes', async () => {
  const ctx = await baseline();
  const broken = ctx.bytes.slice();
  broken[100] ^= 1; // damage copy 1: an open that succeeds would repair it
  const store = new RecordingStore(new MemoryBlockStore(broken));
  await ctx.env.admin.disableKey({ KeyId: ctx.k1.KeyId });
  await rejects(Volume.open(store, { kms: ctx.env.app }), KeyUnavailableError);
  await rejects(Volume.open(store, { kms: ctx.env.app, policy: { sectorSizes: [512] } }), PolicyViolationError);
  assert.equal(store.mutations, []);
});

crash.run();
nothing.run();
