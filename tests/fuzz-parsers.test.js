// Property-based fuzzing (fast-check) of every parser of untrusted bytes: the volume header
// (either or both copies, through Volume.open), encrypted streams (decryptStream) and their
// trailer, the KMS ciphertext blob (parsed, and through Decrypt), the sealed key store,
// key-policy JSON, grant tokens, the CLI's argument parser, the atrest serve request decoder, base64, and the LUKS2 metadata JSON and
// binary header. Each property: the parser returns or throws the library's named error for
// that input — no TypeError/RangeError/other leaking from inside — and, where there is a
// serializer, what it writes parses back to the same value. Fixed seed, bounded cases (a few
// seconds in all); `npm run fuzz` runs the same properties with many more cases
// (tests/_lib/fuzz.js). Hangs: async properties have a per-case timeout; a sync parser that
// looped would stall the run (the runner's timeout reports it).
// Parsers the package does not export come from build/tsc/ (tsc's one-file-per-module tree);
// that tree has its own copy of every class, so an error from one of them is checked against
// that tree's class (TreeEnvelopeError), and one thrown through the published API (dist/)
// against the class dist/ exports (PublicKmsException).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fc, mutated, parseOrNamedError, parseOrNamedErrorAsync, settings } from './_lib/fuzz.js';
import { chunked, collect, setup } from './_lib/envelope.js';
import {
  decryptStream,
  encryptStream,
  EnvelopeError,
  LocalKms,
  MemoryBlockStore,
  MemoryKeystore,
  Volume,
  KeystoreAuthenticationError,
  KeystoreCorruptError,
  openSealedState,
  sealState,
  KmsException as PublicKmsException,
} from '../dist/index.js';
import { KmsException, MalformedPolicyDocumentException } from '../build/tsc/kms/errors.js';
import { decodeHeader, decodePrefix, HeaderParseError } from '../build/tsc/envelope/header.js';
import { openTrailer, sealTrailer } from '../build/tsc/envelope/trailer.js';
import { EnvelopeError as TreeEnvelopeError } from '../build/tsc/envelope/errors.js';
import { encodeBlobHeader, parseBlob } from '../build/tsc/kms/ciphertext-blob.js';
import { parsePolicy, defaultKeyPolicy } from '../build/tsc/policy/index.js';
import { grantOfToken, newGrantId, newGrantToken } from '../build/tsc/kms/grants.js';
import { emptyState } from '../build/tsc/kms/state.js';
import { sharedEngine } from '../build/tsc/engine/shared-engine.js';
import { parseOptions, splitLeadingGlobals, GLOBAL_OPTIONS } from '../build/tsc/cli/args.js';
import { UsageError } from '../build/tsc/cli/exit-codes.js';
import { decodeRequest, ProtocolError } from '../build/tsc/kms/server/protocol.js';
import { fromBase64, toBase64 } from '../build/tsc/utils/bytes.js';
import { parseMetadataText } from '../build/tsc/luks/json-text.js';
import { readHeader as readLuksHeader } from '../build/tsc/luks/binary-header.js';
import { LuksError } from '../build/tsc/luks/errors.js';

const ROOT_KEY = Uint8Array.from({ length: 32 }, (_, i) => 3 * i + 1);

test('volume header: damage to either copy or both gives Volume.open an EnvelopeError or the volume, never a leak', async () => {
  const env = setup();
  const store = new MemoryBlockStore();
  const vol = await Volume.create(store, { kms: env.app, size: 8192, metadata: { name: 'fuzz' } });
  await vol.write(0, new Uint8Array([1, 2, 3]));
  await vol.close();
  const image = await store.read(0, await store.size());
  const { copySize, headerLength } = decodePrefix(image);
  const onCopy = (start) => mutated(image.slice(start, start + headerLength)).map((copy) => ({ start, copy }));
  const damage = fc.oneof(onCopy(0), onCopy(copySize), fc.tuple(onCopy(0), onCopy(copySize)));
  await fc.assert(
    fc.asyncProperty(damage, async (d) => {
      const damaged = new MemoryBlockStore();
      await damaged.write(0, image);
      for (const { start, copy } of Array.isArray(d) ? d : [d]) {
        await damaged.write(start, copy.subarray(0, Math.min(copy.length, headerLength)));
      }
      const r = await parseOrNamedErrorAsync(() => Volume.open(damaged, { kms: env.app }), [EnvelopeError]);
      // Two copies exist so that damage to one never loses the volume.
      if (!Array.isArray(d))
        assert.ok(r.result, `one damaged copy (at ${d.start}) must not stop the open: ${r.error?.message}`);
      if (r.result) {
        assert.equal(await r.result.read(0, 3), new Uint8Array([1, 2, 3]), 'an opened volume reads what was written');
        await r.result.close();
      }
    }),
    { ...settings(1), timeout: 5000 },
  );
  // The header parser alone, on arbitrary bytes and on damaged copies: HeaderParseError only.
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated(image.slice(0, headerLength))), (bytes) => {
      parseOrNamedError(() => decodeHeader(bytes), [HeaderParseError]);
    }),
    settings(10),
  );
});

test('stream trailer: arbitrary and damaged trailers give TruncatedDataError; every size round-trips', async () => {
  const gcm = (await sharedEngine()).gcm(ROOT_KEY);
  const volumeId = new Uint8Array(16).fill(7);
  try {
    const valid = sealTrailer(gcm, volumeId, 12345);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated(valid)), (bytes) => {
        const r = parseOrNamedError(() => openTrailer(gcm, volumeId, bytes, 'fuzz'), [TreeEnvelopeError]);
        if (r.result !== undefined) assert.is(r.result, 12345, 'only the untouched trailer opens');
      }),
      settings(5),
    );
    fc.assert(
      fc.property(fc.maxSafeNat(), (size) => {
        assert.is(openTrailer(gcm, volumeId, sealTrailer(gcm, volumeId, size), 'fuzz'), size);
      }),
      settings(2),
    );
  } finally {
    gcm.dispose();
  }
});

test('encrypted streams: damaged, cut or extended streams give decryptStream an EnvelopeError; a changed length always fails', async () => {
  const { app } = setup();
  const plain = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  const encrypted = await collect(chunked(plain, 1000).pipeThrough(encryptStream({ kms: app, sectorSize: 512 })));
  await fc.assert(
    fc.asyncProperty(mutated(encrypted), fc.integer({ min: 1, max: 5000 }), async (bytes, chunk) => {
      const r = await parseOrNamedErrorAsync(
        () => collect(chunked(bytes, chunk).pipeThrough(decryptStream({ kms: app }))),
        [EnvelopeError],
      );
      if (bytes.length !== encrypted.length)
        assert.ok(r.error, `a stream of ${bytes.length} bytes instead of ${encrypted.length} must not decrypt`);
      if (r.result)
        assert.is(
          r.result.length,
          plain.length,
          'what decrypts has the sealed length (XTS sectors are not authenticated: their content may differ)',
        );
    }),
    { ...settings(0.5), timeout: 5000 },
  );
});

test('KMS ciphertext blob: parseBlob and Decrypt answer with KMS exceptions only; headers round-trip', async () => {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.anything()), (blob) => {
      parseOrNamedError(() => parseBlob(blob), [KmsException]);
    }),
    settings(10),
  );
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 12, maxLength: 12 }),
      fc.uint8Array({ minLength: 17, maxLength: 64 }),
      (id, material, nonce, sealed) => {
        const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
        const keyId = `${hex(id.subarray(0, 4))}-${hex(id.subarray(4, 6))}-${hex(id.subarray(6, 8))}-${hex(id.subarray(8, 10))}-${hex(id.subarray(10))}`;
        const header = encodeBlobHeader({ keyId, keyMaterialId: hex(material), nonce });
        const blob = new Uint8Array(header.length + sealed.length);
        blob.set(header);
        blob.set(sealed, header.length);
        const p = parseBlob(blob);
        assert.is(p.keyId, keyId);
        assert.is(p.keyMaterialId, hex(material));
        assert.equal(p.nonce, nonce);
        assert.equal(p.sealed, sealed);
      },
    ),
    settings(2),
  );
  const { root } = setup();
  const { KeyMetadata } = await root.createKey({});
  const blob = (
    await root.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: new Uint8Array([42]), EncryptionContext: { a: 'b' } })
  ).CiphertextBlob;
  await fc.assert(
    fc.asyncProperty(mutated(blob), async (bytes) => {
      const r = await parseOrNamedErrorAsync(
        () => root.decrypt({ CiphertextBlob: bytes, EncryptionContext: { a: 'b' } }),
        [PublicKmsException],
      );
      if (r.result) assert.equal(bytes, blob, 'only the unchanged blob decrypts');
    }),
    { ...settings(1), timeout: 5000 },
  );
});

test('sealed key store: damaged or arbitrary bytes give KeystoreCorruptError or KeystoreAuthenticationError; states round-trip', async () => {
  const kms = new LocalKms({ keystore: new MemoryKeystore() });
  await kms.as('arn:aws:iam::111122223333:root').createKey({ Description: 'fuzz' });
  const sealed = await sealState({ keys: {}, note: 'x'.repeat(40) }, { rootKey: ROOT_KEY });
  await kms.close();
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated(sealed)), async (bytes) => {
      await parseOrNamedErrorAsync(
        () => openSealedState(bytes, { rootKey: ROOT_KEY }),
        [KeystoreCorruptError, KeystoreAuthenticationError],
      );
    }),
    { ...settings(3), timeout: 5000 },
  );
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.string(), fc.jsonValue()), async (state) => {
      const back = await openSealedState(await sealState(state, { rootKey: ROOT_KEY }), { rootKey: ROOT_KEY });
      assert.equal(back, JSON.parse(JSON.stringify(state)));
    }),
    { ...settings(0.5), timeout: 5000 },
  );
});

test('key-policy JSON: any text, any JSON, policy-shaped objects: a document or MalformedPolicyDocumentException', () => {
  const word = fc.constantFrom(
    'Version',
    'Statement',
    'Sid',
    'Effect',
    'Principal',
    'NotPrincipal',
    'Action',
    'NotAction',
    'Resource',
    'NotResource',
    'Condition',
    'AWS',
    'Service',
    '*',
    'kms:*',
    'Allow',
    'Deny',
    '2012-10-17',
    'StringEquals',
    'kms:EncryptionContext:a',
    'NumericLessThan',
    'Null',
    'ForAnyValue:StringLike',
    'DateGreaterThan',
    'Bool',
    'aws:SecureTransport',
    'arn:aws:iam::111122223333:root',
    '__proto__',
    'constructor',
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      word,
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(word, tie('v'), { maxKeys: 5 }),
    ),
  })).v;
  const policyShaped = fc.record(
    {
      Version: fc.oneof(word, value),
      Statement: fc.oneof(fc.array(fc.dictionary(word, value, { maxKeys: 7 }), { maxLength: 3 }), value),
    },
    { requiredKeys: [] },
  );
  const valid = defaultKeyPolicy('111122223333');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json(),
        policyShaped.map((o) => JSON.stringify(o)),
        mutated(new TextEncoder().encode(valid)).map((b) => new TextDecoder().decode(b)),
      ),
      (text) => {
        parseOrNamedError(() => parsePolicy(text), [MalformedPolicyDocumentException]);
      },
    ),
    settings(10),
  );
  assert.ok(parsePolicy(valid), 'the default policy parses');
});

test('grant tokens: arbitrary and damaged tokens give InvalidGrantTokenException; issued tokens find their grant', () => {
  const state = emptyState();
  const grantId = newGrantId();
  state.grants.add({ grantId, keyId: 'k', granteePrincipal: 'arn:aws:iam::111122223333:user/a', operations: [] });
  const token = newGrantToken(grantId);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.anything(),
        mutated(new TextEncoder().encode(token)).map((b) => new TextDecoder().decode(b)),
      ),
      (t) => {
        const r = parseOrNamedError(() => grantOfToken(state, t), [KmsException]);
        if (r.result) assert.is(r.result.grantId, grantId);
      },
    ),
    settings(10),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (id) => {
      const s = emptyState();
      const gid = Array.from(id, (x) => x.toString(16).padStart(2, '0')).join('');
      s.grants.add({ grantId: gid, keyId: 'k', granteePrincipal: 'arn:aws:iam::111122223333:user/a', operations: [] });
      assert.is(grantOfToken(s, newGrantToken(gid)).grantId, gid);
    }),
    settings(2),
  );
});

test('CLI arguments: any token list gives parsed options or a UsageError', () => {
  const token = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '--json',
      '--as',
      '--key',
      '--context',
      '--',
      '-',
      '--size',
      '--force',
      '--=',
      '--context=a=b',
      '--size=12',
      'a=b',
      '=',
      '--__proto__',
      '--constructor',
      '--key=',
      '-x',
    ),
  );
  const specs = { ...GLOBAL_OPTIONS, key: 'value', context: 'list', size: 'value', force: 'flag', out: 'value' };
  fc.assert(
    fc.property(fc.array(token, { maxLength: 10 }), (tokens) => {
      parseOrNamedError(() => parseOptions(tokens, specs, 'fuzz'), [UsageError]);
      parseOrNamedError(() => splitLeadingGlobals(tokens), [UsageError]);
    }),
    settings(10),
  );
});

test('atrest serve requests: any body gives a request or a ProtocolError', () => {
  const member = fc.constantFrom('CiphertextBlob', 'Plaintext', 'KeyId', 'EncryptionContext', 'GrantTokens');
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 100 }),
    fc.json().map((t) => new TextEncoder().encode(t)),
    fc
      .dictionary(member, fc.oneof(fc.string(), fc.jsonValue(), fc.base64String()))
      .map((o) => new TextEncoder().encode(JSON.stringify(o))),
  );
  fc.assert(
    fc.property(body, (b) => void parseOrNamedError(() => decodeRequest(b), [ProtocolError])),
    settings(10),
  );
});

test('base64: any text decodes or gives RangeError; any bytes round-trip', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (t) => void parseOrNamedError(() => fromBase64(t), [RangeError])),
    settings(10),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => assert.equal(fromBase64(toBase64(b)), b)),
    settings(10),
  );
});

test('LUKS2: metadata JSON text and binary headers give a LuksError or a header, never a leak', async () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.json(),
        fc.constantFrom('{"a":'.repeat(40) + '1' + '}'.repeat(40), '\u0000', '{"keyslots":{}}\u0000\u0000'),
      ),
      (text) => {
        parseOrNamedError(() => parseMetadataText(text), [LuksError]);
      },
    ),
    settings(10),
  );
  const { createLuks } = await import('../dist/luks/index.js');
  const store = new MemoryBlockStore();
  const { container } = await createLuks(store, {
    passphrase: 'fuzz',
    size: 4096,
    keyslotsSize: 512 * 1024,
    pbkdf: { type: 'pbkdf2', iterations: 1000 },
  }).catch((e) => {
    throw new Error(`createLuks for the fuzz image: ${e.message}`);
  });
  await container.close?.();
  const image = await store.read(0, Math.min(await store.size(), 2 * 16384));
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        mutated(image, 4096 + 1024),
        mutated(image, 16384 + 4096).map((b) => b),
      ),
      async (bytes) => {
        const s = new MemoryBlockStore();
        await s.write(0, bytes);
        await parseOrNamedErrorAsync(() => readLuksHeader(s), [LuksError]);
      },
    ),
    { ...settings(1), timeout: 5000 },
  );
});

test.run();
