// The sealed keystore format (sealState / openSealedState) and the IndexedDB store. Portable:
// the sealing suite runs in Node, Deno and Chromium; the IndexedDbKeystore suite runs where
// `indexedDB` exists (Chromium) and is registered as skipped elsewhere, where instead one test
// checks that IndexedDbKeystore.open says the runtime has no IndexedDB.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects } from './_lib/assert.js';
import { concat } from './_lib/hex.js';
import {
  sealState,
  openSealedState,
  DEFAULT_SCRYPT,
  IndexedDbKeystore,
  KeystoreAuthenticationError,
  KeystoreCorruptError,
  KeystoreLockedError,
  LocalKms,
  MemoryKeystore,
  MemoryStore,
  IndexedDbStore,
} from '../dist/index.js';

// Header layout (src/kms/sealed-state.ts): magic 8, version 1, KDF 1, log2 N / r / p 3,
// salt 16, key check 16, header checksum 8, nonce 12; then ciphertext ‖ 16-byte tag.
const HEADER = 65;
const TAG = 16;
const CHECKSUM_AT = 13 + 16 + 16; // magic, version, KDF, scrypt (13) ‖ salt (16) ‖ key check (16): see src/kms/sealed-state.ts
const CHEAP_SCRYPT = { N: 2 ** 10, r: 8, p: 1 }; // the smallest allowed: tests about framing, not cost
const STATE = { version: 1, keys: [{ id: 'k1', material: 'AAEC', note: 'héllo ✓' }], n: 42, on: true, none: null };

const newKey = () => crypto.getRandomValues(new Uint8Array(32));

// ---- sealing ------------------------------------------------------------------------------

const sealing = suite('sealed state');

sealing('root key: round trip, header fields, fresh nonce and salt per seal', async () => {
  const key = newKey();
  const a = await sealState(STATE, { rootKey: key });
  const b = await sealState(STATE, { rootKey: key });
  assert.equal(await openSealedState(a, { rootKey: key }), STATE);
  assert.is(new TextDecoder().decode(a.subarray(0, 8)), 'ATRESTKS');
  assert.is(a[8], 1, 'format version');
  assert.is(a[9], 0, 'KDF 0: raw root key');
  assert.equal([...a.subarray(10, 13)], [0, 0, 0], 'no scrypt parameters');
  assert.is(a.length, HEADER + new TextEncoder().encode(JSON.stringify(STATE)).length + TAG);
  assert.not.equal([...a.subarray(13, 29)], [...b.subarray(13, 29)], 'salt differs between keystores');
  assert.not.equal([...a.subarray(53, 65)], [...b.subarray(53, 65)], 'nonce differs between seals');
  const json = new TextEncoder().encode('"note"');
  assert.not.ok(indexOf(a, json) >= 0, 'the JSON is not in the clear');
});

sealing('passphrase: default scrypt parameters are stored in the header and the round trip works', async () => {
  const t0 = performance.now();
  const sealed = await sealState(STATE, { passphrase: 'correct horse battery staple' });
  const ms = performance.now() - t0;
  assert.is(sealed[9], 1, 'KDF 1: scrypt');
  assert.is(2 ** sealed[10], DEFAULT_SCRYPT.N);
  assert.is(sealed[11], DEFAULT_SCRYPT.r);
  assert.is(sealed[12], DEFAULT_SCRYPT.p);
  assert.equal(await openSealedState(sealed, { passphrase: 'correct horse battery staple' }), STATE);
  console.log(
    `  (scrypt N=2^${Math.log2(DEFAULT_SCRYPT.N)} r=${DEFAULT_SCRYPT.r} p=${DEFAULT_SCRYPT.p}: seal with derivation ${ms.toFixed(0)} ms)`,
  );
});

sealing('passphrase: NFC and NFD spellings of the same words open the same keystore', async () => {
  const sealed = await sealState({ a: 1 }, { passphrase: 'caf\u00e9' }, { scrypt: CHEAP_SCRYPT });
  assert.equal(await openSealedState(sealed, { passphrase: 'cafe\u0301' }), { a: 1 });
});

sealing('wrong root key: KeystoreAuthenticationError that says so', async () => {
  const sealed = await sealState(STATE, { rootKey: newKey() });
  await rejects(openSealedState(sealed, { rootKey: newKey() }), KeystoreAuthenticationError, /wrong root key/);
});

sealing('wrong passphrase: KeystoreAuthenticationError that says so', async () => {
  const sealed = await sealState(STATE, { passphrase: 'right' }, { scrypt: CHEAP_SCRYPT });
  await rejects(openSealedState(sealed, { passphrase: 'wrong' }), KeystoreAuthenticationError, /wrong passphrase/);
});

sealing('the wrong kind of secret: KeystoreAuthenticationError naming the kind the keystore needs', async () => {
  const byKey = await sealState(STATE, { rootKey: newKey() });
  const byPass = await sealState(STATE, { passphrase: 'p' }, { scrypt: CHEAP_SCRYPT });
  await rejects(
    openSealedState(byKey, { passphrase: 'p' }),
    KeystoreAuthenticationError,
    /sealed under a 32-byte root key/,
  );
  await rejects(
    openSealedState(byPass, { rootKey: newKey() }),
    KeystoreAuthenticationError,
    /sealed under a passphrase/,
  );
});

sealing(
  'corruption: a flipped bit in any byte is KeystoreCorruptError "keystore is corrupt", never "wrong key"',
  async () => {
    const key = newKey();
    const sealed = await sealState({ s: 'x'.repeat(40) }, { rootKey: key });
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i] ^= 0x04;
      await rejects(openSealedState(bad, { rootKey: key }), KeystoreCorruptError, /keystore is corrupt/);
    }
  },
);

sealing('corruption: truncated, extended, empty and foreign bytes', async () => {
  const key = newKey();
  const sealed = await sealState(STATE, { rootKey: key });
  const cases = {
    truncated: sealed.subarray(0, sealed.length - 1),
    'header only': sealed.subarray(0, HEADER),
    extended: concat([sealed, new Uint8Array([0])]),
    empty: new Uint8Array(0),
    foreign: new TextEncoder().encode(
      '{"this is":"not a keystore, just some JSON that is long enough to have a header"}',
    ),
  };
  for (const [what, bytes] of Object.entries(cases)) {
    const err = await rejects(openSealedState(bytes, { rootKey: key }), KeystoreCorruptError, /keystore is corrupt/);
    assert.ok(err.message.length > 30, what);
  }
  const future = sealed.slice();
  future[8] = 2;
  await rejects(openSealedState(future, { rootKey: key }), KeystoreCorruptError, /format version 2/);
});

sealing('corruption: a passphrase header with hostile scrypt parameters is refused before deriving', async () => {
  const sealed = await sealState(STATE, { passphrase: 'p' }, { scrypt: CHEAP_SCRYPT });
  const hostile = sealed.slice();
  hostile[10] = 30; // N = 2^30: 128 GiB of scrypt memory
  await rejects(openSealedState(hostile, { passphrase: 'p' }), KeystoreCorruptError, /keystore is corrupt/);
});

sealing(
  'a header with costly scrypt parameters inside the old bounds is refused before deriving (issue 12 item 13)',
  async () => {
    const sealed = await sealState(STATE, { passphrase: 'p' }, { scrypt: CHEAP_SCRYPT });
    // The checksum covers the KDF fields, so a hostile header recomputes it; the test does too.
    const { sha256 } = await import('@noble/hashes/sha2.js');
    const withParams = (logN, r, p) => {
      const h = sealed.slice();
      [h[10], h[11], h[12]] = [logN, r, p];
      h.set(sha256(h.subarray(0, CHECKSUM_AT)).subarray(0, 8), CHECKSUM_AT);
      return h;
    };
    // 2^17 · 16 · 128 = 256 MiB (accepted before); 2^15 · 8 · 16: 16 times the default's work.
    for (const [logN, r, p] of [
      [17, 16, 1],
      [15, 8, 16],
      [20, 2, 1],
    ]) {
      // "out of bounds" (not "wrong passphrase"): refused from the header, before any derivation.
      await rejects(
        openSealedState(withParams(logN, r, p), { passphrase: 'p' }),
        KeystoreCorruptError,
        /scrypt parameters are out of bounds/,
      );
    }
  },
);

sealing('bad input: TypeError / RangeError naming the rule', async () => {
  const key = newKey();
  const cases = [
    [() => sealState({}, { rootKey: new Uint8Array(31) }), RangeError, /rootKey must be 32 bytes/],
    [() => sealState({}, { rootKey: [...key] }), TypeError, /rootKey must be a Uint8Array/],
    [() => sealState({}, { passphrase: '' }), RangeError, /passphrase must not be empty/],
    [() => sealState({}, { passphrase: 42 }), TypeError, /passphrase must be a string/],
    [() => sealState({}, { rootKey: key, passphrase: 'p' }), TypeError, /exactly one of rootKey/],
    [() => sealState({}, {}), TypeError, /exactly one of rootKey/],
    [() => sealState({}, null), TypeError, /rootKey/],
    [() => sealState({ n: 1n }, { rootKey: key }), TypeError, /JSON-compatible/],
    [() => sealState(undefined, { rootKey: key }), TypeError, /JSON-compatible/],
    [
      () => sealState({}, { passphrase: 'p' }, { scrypt: { N: 1000, r: 8, p: 1 } }),
      RangeError,
      /N must be a power of two/,
    ],
    [
      () => sealState({}, { passphrase: 'p' }, { scrypt: { N: 2 ** 21, r: 8, p: 1 } }),
      RangeError,
      /N must be a power of two from 2\^10 to 2\^20/,
    ],
    [() => sealState({}, { passphrase: 'p' }, { scrypt: { N: 2 ** 20, r: 8, p: 1 } }), RangeError, /at most 64 MiB/],
    [() => sealState({}, { passphrase: 'p' }, { scrypt: { N: 2 ** 16, r: 9, p: 1 } }), RangeError, /at most 64 MiB/],
    [
      () => sealState({}, { passphrase: 'p' }, { scrypt: { N: 2 ** 15, r: 8, p: 5 } }),
      RangeError,
      /N · r · p must be at most 2\^20/,
    ],
    [() => sealState({}, { passphrase: 'p' }, { scrypt: { N: 2 ** 14, r: 0, p: 1 } }), RangeError, /r must be 1 to 32/],
    [() => openSealedState('bytes', { rootKey: key }), TypeError, /Uint8Array/],
  ];
  for (const [call, Class, pattern] of cases) await rejects(call(), Class, pattern);
});

sealing.run();

// ---- IndexedDbKeystore ------------------------------------------------------------------------

const idb = suite('IndexedDbKeystore');
const hasIdb = typeof indexedDB !== 'undefined';
const idbTest = hasIdb ? idb : idb.skip;
let dbCounter = 0;
const dbName = () => `test-${Date.now()}-${dbCounter++}-${Math.random().toString(36).slice(2)}`;

/** The raw record, read past the store (to compare bytes before and after a refused open). */
async function rawRecord(name) {
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open(IndexedDbKeystore.databaseName(name));
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  try {
    return await new Promise((ok, fail) => {
      const req = db.transaction('keystore', 'readonly').objectStore('keystore').get('state');
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
  } finally {
    db.close();
  }
}

async function writeRawRecord(name, value) {
  const db = await new Promise((ok, fail) => {
    const req = indexedDB.open(IndexedDbKeystore.databaseName(name));
    req.onsuccess = () => ok(req.result);
    req.onerror = () => fail(req.error);
  });
  try {
    await new Promise((ok, fail) => {
      const tx = db.transaction('keystore', 'readwrite');
      tx.objectStore('keystore').put(value, 'state');
      tx.oncomplete = () => ok();
      tx.onerror = () => fail(tx.error);
    });
  } finally {
    db.close();
  }
}

if (!hasIdb) {
  idb('without indexedDB (Node, Deno): open says so and points to atrest/fs', async () => {
    await rejects(IndexedDbKeystore.open('x', { rootKey: newKey() }), Error, /no indexedDB.*FileKeystore/);
  });
}

idbTest('round trip: empty at first, saved state survives close and reopen', async () => {
  const name = dbName();
  const key = newKey();
  const a = await IndexedDbKeystore.open(name, { rootKey: key });
  assert.is(await a.load(), undefined);
  await a.save(STATE);
  assert.equal(await a.load(), STATE);
  await a.close();
  const b = await IndexedDbKeystore.open(name, { rootKey: key });
  assert.equal(await b.load(), STATE);
  await b.close();
  await IndexedDbKeystore.destroy(name);
});

idbTest('passphrase round trip; the record is sealed bytes, not JSON', async () => {
  const name = dbName();
  const a = await IndexedDbKeystore.open(name, { passphrase: 'tab secret' }, { scrypt: CHEAP_SCRYPT });
  await a.save(STATE);
  await a.close();
  const raw = await rawRecord(name);
  assert.instance(raw, Uint8Array);
  assert.is(new TextDecoder().decode(raw.subarray(0, 8)), 'ATRESTKS');
  const b = await IndexedDbKeystore.open(name, { passphrase: 'tab secret' });
  assert.equal(await b.load(), STATE);
  await b.close();
  await IndexedDbKeystore.destroy(name);
});

idbTest(
  'wrong root key and wrong passphrase: KeystoreAuthenticationError, record unchanged, lock released',
  async () => {
    const name = dbName();
    const key = newKey();
    const a = await IndexedDbKeystore.open(name, { rootKey: key });
    await a.save(STATE);
    await a.close();
    const before = await rawRecord(name);
    await rejects(IndexedDbKeystore.open(name, { rootKey: newKey() }), KeystoreAuthenticationError, /wrong root key/);
    await rejects(IndexedDbKeystore.open(name, { passphrase: 'guess' }), KeystoreAuthenticationError, /root key/);
    assert.equal([...(await rawRecord(name))], [...before]);
    const b = await IndexedDbKeystore.open(name, { rootKey: key }); // the refused opens left no lock
    assert.equal(await b.load(), STATE);
    await b.close();

    const pname = dbName();
    const p = await IndexedDbKeystore.open(pname, { passphrase: 'right' }, { scrypt: CHEAP_SCRYPT });
    await p.save({ p: 1 });
    await p.close();
    const pbefore = await rawRecord(pname);
    await rejects(
      IndexedDbKeystore.open(pname, { passphrase: 'wrong' }),
      KeystoreAuthenticationError,
      /wrong passphrase/,
    );
    assert.equal([...(await rawRecord(pname))], [...pbefore]);
    await IndexedDbKeystore.destroy(name);
    await IndexedDbKeystore.destroy(pname);
  },
);

idbTest('lock: a second open of the same keystore is KeystoreLockedError until the first closes', async () => {
  const name = dbName();
  const key = newKey();
  const a = await IndexedDbKeystore.open(name, { rootKey: key });
  await rejects(IndexedDbKeystore.open(name, { rootKey: key }), KeystoreLockedError, /keystore is locked/);
  await rejects(IndexedDbKeystore.destroy(name), KeystoreLockedError, /keystore is locked/);
  const other = await IndexedDbKeystore.open(dbName(), { rootKey: key }); // other names are not locked
  await other.close();
  await IndexedDbKeystore.destroy(other.name);
  await a.close();
  const b = await IndexedDbKeystore.open(name, { rootKey: key });
  await b.close();
  await IndexedDbKeystore.destroy(name);
});

idbTest('corrupted record: KeystoreCorruptError at open', async () => {
  const name = dbName();
  const key = newKey();
  const a = await IndexedDbKeystore.open(name, { rootKey: key });
  await a.save(STATE);
  await a.close();
  const bad = (await rawRecord(name)).slice();
  bad[bad.length - 1] ^= 1;
  await writeRawRecord(name, bad);
  await rejects(IndexedDbKeystore.open(name, { rootKey: key }), KeystoreCorruptError, /keystore is corrupt/);
  await writeRawRecord(name, 'not bytes');
  await rejects(IndexedDbKeystore.open(name, { rootKey: key }), KeystoreCorruptError, /does not hold bytes/);
  await IndexedDbKeystore.destroy(name);
});

idbTest('saves land in call order; close waits for them; a closed store refuses work', async () => {
  const name = dbName();
  const key = newKey();
  const a = await IndexedDbKeystore.open(name, { rootKey: key });
  const state = { n: 0 };
  const pending = [];
  for (let i = 1; i <= 5; i++) {
    state.n = i;
    pending.push(a.save(state)); // sealed at call time: later changes are not saved
  }
  state.n = 99;
  await a.close();
  await Promise.all(pending);
  await rejects(
    Promise.resolve().then(() => a.load()),
    Error,
    /closed/,
  );
  const b = await IndexedDbKeystore.open(name, { rootKey: key });
  assert.equal(await b.load(), { n: 5 });
  await b.close();
  await IndexedDbKeystore.destroy(name);
});

idbTest('LocalKms over an IndexedDbKeystore: a key and its ciphertext survive a restart', async () => {
  const name = dbName();
  const key = newKey();
  const me = 'arn:aws:iam::111122223333:root';
  const kms1 = new LocalKms({ keystore: await IndexedDbKeystore.open(name, { rootKey: key }) });
  const { KeyMetadata } = await kms1.as(me).createKey({ Description: 'in the browser' });
  const { CiphertextBlob } = await kms1
    .as(me)
    .encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array([9, 8, 7]) });
  await kms1.close();
  const kms2 = new LocalKms({ keystore: await IndexedDbKeystore.open(name, { rootKey: key }) });
  const { Plaintext } = await kms2.as(me).decrypt({ CiphertextBlob });
  assert.equal([...Plaintext], [9, 8, 7]);
  await kms2.close();
  await IndexedDbKeystore.destroy(name);
});

idbTest('bad input: empty name is RangeError, bad root key is RangeError, nothing opened', async () => {
  await rejects(IndexedDbKeystore.open('', { rootKey: newKey() }), RangeError, /name must not be empty/);
  await rejects(
    IndexedDbKeystore.open(dbName(), { rootKey: new Uint8Array(16) }),
    RangeError,
    /rootKey must be 32 bytes/,
  );
});

idb.run();

function indexOf(haystack, needle) {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// ---- the 0.1 names ------------------------------------------------------------------------

const renamed = suite('deprecated keystore names');

renamed('MemoryStore and IndexedDbStore are the renamed classes themselves', () => {
  assert.is(MemoryStore, MemoryKeystore);
  assert.is(IndexedDbStore, IndexedDbKeystore);
});

renamed('LocalKms still takes its keystore under the old option name store', async () => {
  const keystore = new MemoryKeystore();
  const kms = new LocalKms({ store: keystore }).as('arn:aws:iam::111122223333:root');
  const { KeyMetadata } = await kms.createKey({});
  const saved = await keystore.load();
  assert.ok(JSON.stringify(saved).includes(KeyMetadata.KeyId), 'the key was saved into the keystore given as store');
});

renamed('LocalKms refuses keystore and store together', () => {
  assert.throws(
    () => new LocalKms({ keystore: new MemoryKeystore(), store: new MemoryKeystore() }),
    /give keystore or its deprecated name store, not both/,
  );
});

renamed.run();
