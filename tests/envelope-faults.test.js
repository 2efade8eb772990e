// Fault injection over every Volume operation (issue 12: item 2 and "a fault-injecting
// BlockStore"): one write or flush of the operation fails (EIO), optionally tearing the write;
// the volume must then report either the old or the new state (the new one exactly when the call
// succeeded), and two reopens must show exactly what the Volume object reported. Writes inside
// the volume have no journal: there each sector is old or new (sector-atomic, as the format
// promises), and the object and the reopens agree on which. Portable (Node, Deno, Chromium).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore, Volume, VolumeClosedError } from '../dist/index.js';
import { CrashingStore, pattern, rejects, setup, snapshot } from './_lib/envelope.js';
import { FaultyBlockStore } from './_lib/faulty-block-store.js';
import { assertBytes } from './_lib/assert.js';
import { PATHS } from './_lib/volume-paths.js';

const SS = 512;
const SIZE = 3000;
const DATA = pattern(SIZE, 7);

async function fixture(twoKeys) {
  const env = setup();
  const keys = [];
  for (let i = 0; i < 3; i++) keys.push((await env.admin.createKey({})).KeyMetadata.Arn);
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: env.app, keyId: keys[0], size: SIZE, sectorSize: SS });
  await vol.write(0, DATA);
  if (twoKeys) await vol.addKey({ keyId: keys[1] });
  await vol.close();
  return { env, keys, bytes: await snapshot(store) };
}

function overwrite(base, offset, bytes) {
  const out = new Uint8Array(Math.max(base.length, offset + bytes.length));
  out.set(base);
  out.set(bytes, offset);
  return out;
}

/** name → { twoKeys, run(vol, keys), keysAfter(keys), contentAfter, dataWrite, data }; `data`
 *  operations (write, truncate, flush) run on the async and on the sync path. */
const OPERATIONS = {
  'write inside': {
    run: (v) => v.write(100, pattern(700, 9)),
    contentAfter: overwrite(DATA, 100, pattern(700, 9)),
    dataWrite: true,
    data: true,
  },
  'write past the end': {
    run: (v) => v.write(SIZE + 300, pattern(900, 11)),
    contentAfter: overwrite(DATA, SIZE + 300, pattern(900, 11)),
    data: true,
  },
  'truncate (shrink)': {
    run: (v) => v.truncate(1000),
    contentAfter: DATA.slice(0, 1000),
    data: true,
  },
  addKey: { run: (v, k) => v.addKey({ keyId: k[1] }), keysAfter: (k) => [k[0], k[1]] },
  removeKey: { twoKeys: true, run: (v, k) => v.removeKey(k[0]), keysAfter: (k) => [k[1]] },
  rewrap: { twoKeys: true, run: (v, k) => v.rewrap({ keyId: k[2] }), keysAfter: (k) => [k[2]] },
  'rewrap to the same key (rotate)': { run: (v, k) => v.rewrap({ keyId: k[0] }), keysAfter: (k) => [k[0]] },
  'write then close': {
    run: async (v) => {
      await v.write(1000, pattern(512, 13));
      await v.close();
    },
    contentAfter: overwrite(DATA, 1000, pattern(512, 13)),
    dataWrite: true,
    data: true,
  },
  flush: { run: (v) => v.flush(), data: true },
};

/** Writes and flushes the operation makes when nothing fails. */
async function countCalls(ctx, op) {
  const store = new FaultyBlockStore(new MemoryBlockStore(ctx.bytes));
  const vol = await Volume.open(store, { kms: ctx.env.app });
  store.arm('none', 0);
  await op.run(vol, ctx.keys);
  return { writes: store.writes, flushes: store.flushes };
}

function sectorwiseOldOrNew(actual, oldC, newC, label) {
  assert.is(actual.length, newC.length, `${label}: size`);
  for (let s = 0; s * SS < actual.length; s++) {
    const got = actual.subarray(s * SS, (s + 1) * SS);
    const same = (x) => got.every((v, i) => v === x[s * SS + i]);
    assert.ok(same(oldC) || same(newC), `${label}: sector ${s} is neither old nor new`);
  }
}

const faults = suite('one injected fault in each Volume operation');

for (const [name, op, path] of PATHS.flatMap((path) =>
  Object.entries(OPERATIONS)
    .filter(([, op]) => op.data || path === PATHS[0])
    .map(([name, op]) => [`${name} (${path.name})`, op, path]),
)) {
  faults(`${name}: after a fault at any write or flush, the object, and two reopens, agree on old or new`, async () => {
    const ctx = await fixture(op.twoKeys === true);
    const oldKeys = op.twoKeys ? [ctx.keys[0], ctx.keys[1]] : [ctx.keys[0]];
    const newKeys = op.keysAfter ? op.keysAfter(ctx.keys) : oldKeys;
    const newContent = op.contentAfter ?? DATA;
    const { writes, flushes } = await countCalls(ctx, op);
    const plans = [];
    for (let n = 1; n <= writes; n++) for (const tear of [0, SS, 8192]) plans.push(['write', n, tear]);
    for (let n = 1; n <= flushes; n++) plans.push(['flush', n, 0]);
    assert.ok(plans.length >= 1, `${name}: ${writes} writes, ${flushes} flushes`);
    for (const [on, n, tear] of plans) {
      const label = `${name}, fault at ${on} ${n}${tear ? ` (torn after ${tear} bytes)` : ''}`;
      const inner = new MemoryBlockStore(ctx.bytes);
      const store = new FaultyBlockStore(inner);
      const vol = await Volume.open(store, { kms: ctx.env.app });
      store.arm(on, n, tear);
      let failed = false;
      try {
        await op.run(path.view(vol), ctx.keys);
      } catch {
        failed = true;
      }
      assert.ok(store.faulted, `${label}: the fault was hit`);
      // What the object reports now.
      let reported;
      if (!vol.closed) {
        reported = { keys: vol.keyIds, content: await vol.read(0, vol.size) };
        await vol.close();
      }
      if (reported === undefined) {
        // Closed by the operation itself (write then close): it reported success or failure.
        assert.ok(name.startsWith('write then close'), `${label}: the volume is still usable after a failed call`);
      } else if (!failed) {
        assert.equal(reported.keys, newKeys, `${label}: a call reported done shows the new keys`);
        assertBytes(reported.content, newContent, `${label}: a call reported done shows the new content`);
      } else {
        assert.equal(reported.keys, oldKeys, `${label}: a call reported failed shows the old keys`);
        if (op.dataWrite) sectorwiseOldOrNew(reported.content, DATA, newContent, label);
        else assertBytes(reported.content, DATA, `${label}: a call reported failed shows the old content`);
      }
      for (const round of [1, 2]) {
        const reopened = await Volume.open(inner, { kms: ctx.env.app });
        const keys = reopened.keyIds;
        const content = await reopened.read(0, reopened.size);
        await reopened.close();
        if (reported !== undefined) {
          assert.equal(keys, reported.keys, `${label}: reopen ${round} has the keys the object reported`);
          assertBytes(content, reported.content, `${label}: reopen ${round} has the content the object reported`);
        } else {
          assert.equal(keys, failed ? oldKeys : newKeys, `${label}: reopen ${round} keys`);
          if (!failed) assertBytes(content, newContent, `${label}: reopen ${round} content`);
          else sectorwiseOldOrNew(content, DATA, newContent, label);
        }
      }
    }
  });
}

faults(
  'the chain of issue 12 item 2: removeKey(A) fails, the app trusts keyIds and deletes the other key, two reopens still work',
  async () => {
    const ctx = await fixture(true);
    const [a, b] = ctx.keys;
    const { writes, flushes } = await countCalls(ctx, { run: (v) => v.removeKey(a) });
    const plans = [];
    for (let n = 1; n <= writes; n++) for (const tear of [0, SS]) plans.push(['write', n, tear]);
    for (let n = 1; n <= flushes; n++) plans.push(['flush', n, 0]);
    let sawFailure = false;
    for (const [on, n, tear] of plans) {
      const label = `fault at ${on} ${n}${tear ? ' (torn)' : ''}`;
      const inner = new MemoryBlockStore(ctx.bytes);
      const store = new FaultyBlockStore(inner);
      const vol = await Volume.open(store, { kms: ctx.env.app });
      store.arm(on, n, tear);
      const failed = await vol.removeKey(a).then(
        () => false,
        () => true,
      );
      sawFailure ||= failed;
      const listed = vol.keyIds;
      await vol.close();
      // The app keeps the key the volume lists first and deletes (here: disables) the other.
      const keep = listed.includes(a) ? a : b;
      const drop = keep === a ? b : a;
      assert.ok(
        failed ? listed.includes(a) : !listed.includes(a),
        `${label}: keyIds (${listed.length}) matches the reported outcome`,
      );
      await ctx.env.admin.disableKey({ KeyId: drop });
      try {
        for (const round of [1, 2]) {
          const reopened = await Volume.open(inner, { kms: ctx.env.app });
          assert.equal(reopened.keyIds, listed, `${label}: reopen ${round} has the keys the object listed`);
          assertBytes(await reopened.read(0, SIZE), DATA, `${label}: reopen ${round} reads the data`);
          await reopened.close();
        }
      } finally {
        await ctx.env.admin.enableKey({ KeyId: drop });
      }
    }
    assert.ok(sawFailure, 'some fault made removeKey fail (the case the chain starts from)');
  },
);

faults('issue 12 item 16: a Volume.create with grantTo that fails at the store leaves no grant behind', async () => {
  const env = setup();
  const key = (await env.admin.createKey({})).KeyMetadata.Arn;
  const grantee = 'arn:aws:iam::111122223333:role/reader';
  for (const [on, n] of [
    ['write', 1],
    ['write', 2],
    ['flush', 1],
    ['flush', 2],
  ]) {
    const store = new FaultyBlockStore(new MemoryBlockStore());
    store.arm(on, n);
    let failed = false;
    try {
      await Volume.create(store, { kms: env.app, keyId: key, size: SIZE, sectorSize: SS, grantTo: grantee });
    } catch {
      failed = true;
    }
    assert.ok(failed && store.faulted, `a fault at ${on} ${n} fails the create`);
    assert.is(await store.size(), 0, `${on} ${n}: the store is left empty`);
    const { Grants } = await env.admin.listGrants({ KeyId: key });
    assert.equal(
      Grants.filter((g) => g.GranteePrincipal === grantee),
      [],
      `${on} ${n}: no grant for ${grantee} remains`,
    );
  }
  // And with no fault the grant is there: the check above can see one.
  await Volume.create(new MemoryBlockStore(), {
    kms: env.app,
    keyId: key,
    size: SIZE,
    sectorSize: SS,
    grantTo: grantee,
  });
  const { Grants } = await env.admin.listGrants({ KeyId: key });
  assert.is(Grants.filter((g) => g.GranteePrincipal === grantee).length, 1);
});

faults(
  'a store that fails writing copy 1 and again restoring it: the volume closes itself and says the outcome is unknown',
  async () => {
    const ctx = await fixture(false);
    const inner = new MemoryBlockStore(ctx.bytes);
    const store = new CrashingStore(inner);
    const vol = await Volume.open(store, { kms: ctx.env.app });
    store.allowedWrites = 0; // every write from now on fails
    store.torn = true;
    await rejects(
      vol.addKey({ keyId: ctx.keys[1] }),
      Error,
      /which header it holds is unknown, so the volume is closed/,
    );
    assert.ok(vol.closed, 'closed');
    await rejects(vol.read(0, 1), VolumeClosedError, /header unknown: reopen it/);
    const reopened = await Volume.open(inner, { kms: ctx.env.app });
    assert.ok([ctx.keys[0], `${ctx.keys[0]},${ctx.keys[1]}`].includes(reopened.keyIds.join(',')), 'old or new keys');
    assertBytes(await reopened.read(0, SIZE), DATA);
    await reopened.close();
  },
);

faults.run();
