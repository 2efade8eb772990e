// LUKS2 headers: both copies, seqid, checksum; damage (one copy → the other is used; both → a
// named error); hostile JSON (huge, deep, duplicate keys, absurd offsets or KDF costs) refused
// with named errors in bounded time; unknown members and tokens preserved on rewrite.
// Portable: Node, Deno, Chromium. Starts from a cryptsetup-made header (the fixtures).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryBlockStore } from '../dist/index.js';
import {
  KdfLimitError,
  LuksContainer,
  LuksHeaderDamagedError,
  LuksMetadataError,
  NotLuksError,
  UnsupportedLuksError,
} from '../dist/luks/index.js';
import { fixtureImages, fixtureStores, hex, jsonOf, rewriteJson, fixChecksum } from './_lib/luks.js';

const t = suite('luks: headers, damage, hostile JSON');
let image;
t.before(async () => {
  image = (await fixtureImages()).find((i) => i.name === 'sector4096-aes256');
});

async function openBytes(headerBytes, options = {}) {
  const { data } = fixtureStores(image);
  return LuksContainer.open(data, { header: new MemoryBlockStore(headerBytes), readOnly: true, ...options });
}

async function refused(promise, cls, pattern) {
  const started = Date.now();
  try {
    await promise;
  } catch (e) {
    assert.instance(e, cls, `${e.name}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    assert.ok(Date.now() - started < 5000, 'refused in bounded time');
    return e;
  }
  assert.unreachable(`expected ${cls.name}`);
}

t('a flipped byte in the primary copy: the secondary is used and the key still opens', async () => {
  for (const at of [10, 300, 4096 + 20, 16383]) {
    const { headerBytes } = fixtureStores(image);
    headerBytes[at] ^= 1;
    const c = await openBytes(headerBytes);
    const key = await c.unlock({ passphrase: image.passphrases[0] });
    assert.is(hex(key.bytes()), image.volumeKey, `flip at ${at}`);
  }
});

t('the next header write repairs a damaged copy (both copies written with seqid + 1)', async () => {
  const { headerBytes, data } = fixtureStores(image);
  headerBytes[4096 + 30] ^= 1;
  const store = new MemoryBlockStore(headerBytes);
  const c = await LuksContainer.open(data, { header: store });
  await c.importToken({ type: 'vendor-x', keyslots: [] });
  const after = await store.read(0, await store.size());
  assert.is(jsonOf(after).tokens['0'].type, 'vendor-x', 'the primary copy was rewritten');
  const view = new DataView(after.buffer);
  assert.is(view.getBigUint64(16), view.getBigUint64(16384 + 16));
  after[16384 + 4096 + 30] ^= 1; // now damage the secondary: the rewritten primary alone opens
  const again = await LuksContainer.open(data, { header: new MemoryBlockStore(after), readOnly: true });
  assert.equal(
    again.tokens.map((x) => x.type),
    ['vendor-x'],
  );
  assert.is(hex((await again.unlock({ passphrase: image.passphrases[0] })).bytes()), image.volumeKey);
});

t('a keyslot area past the end of the header device: LuksMetadataError, not a short read', async () => {
  const { headerBytes } = fixtureStores(image);
  const json = jsonOf(headerBytes);
  json.config.keyslots_size = String(1 << 30);
  json.keyslots['0'].area.offset = String(1 << 29);
  const c = await openBytes(rewriteJson(headerBytes, JSON.stringify(json)));
  const e = await refused(
    c.unlock({ passphrase: image.passphrases[0] }),
    LuksMetadataError,
    /passes the end of the header device/,
  );
  assert.is(e.rule, 'area');
});

t(
  'the primary magic wiped: found through the secondary copy; both damaged: LuksHeaderDamagedError naming both',
  async () => {
    const { headerBytes } = fixtureStores(image);
    headerBytes.fill(0, 0, 6);
    await openBytes(headerBytes);
    headerBytes[16384 + 5000] ^= 0x40;
    headerBytes.set([0x4c, 0x55, 0x4b, 0x53, 0xba, 0xbe], 0);
    headerBytes[5000] ^= 0x01;
    const e = await refused(openBytes(headerBytes), LuksHeaderDamagedError, /no intact copy/);
    assert.is(e.code, 'LUKS_HEADER_DAMAGED');
    assert.match(e.problems[0], /primary: checksum mismatch/);
    assert.match(e.problems[1], /secondary: checksum mismatch/);
  },
);

t('not LUKS: zeros, too short, LUKS1 → NotLuksError / UnsupportedLuksError', async () => {
  await refused(openBytes(new Uint8Array(65536)), NotLuksError, /no LUKS2 magic/);
  await refused(openBytes(new Uint8Array(100)), NotLuksError, /less than one 4096-byte header/);
  const { headerBytes } = fixtureStores(image);
  headerBytes[7] = 1;
  await refused(openBytes(headerBytes), UnsupportedLuksError, /LUKS1/);
});

t('the higher seqid wins; a stale copy (lower seqid) is not used', async () => {
  const { headerBytes } = fixtureStores(image);
  const json = jsonOf(headerBytes);
  json.keyslots['0'].priority = 2;
  const newer = rewriteJson(headerBytes, JSON.stringify(json), 'secondary');
  const view = new DataView(newer.buffer);
  view.setBigUint64(16384 + 16, view.getBigUint64(16) + 1n);
  fixChecksum(newer.subarray(16384, 32768));
  const c = await openBytes(newer);
  assert.is(c.keyslots[0].priority, 2);
  assert.is(c.seqid, view.getBigUint64(16) + 1n);
});

t(
  'hostile JSON: duplicate keys, depth, not JSON, no NUL, wrong sections → LuksMetadataError with the rule',
  async () => {
    const { headerBytes } = fixtureStores(image);
    const base = new TextDecoder().decode(headerBytes.subarray(4096, 4096 + headerBytes.subarray(4096).indexOf(0)));
    const cases = [
      ['duplicate-key', base.replace('"keyslots":{', '"keyslots":{},"keyslots":{')],
      ['duplicate-key', base.replace('"type":"luks2",', '"type":"luks2","type":"luks2",')],
      [
        'depth',
        base.replace(
          '"tokens":{}',
          `"tokens":{"0":{"type":"x","keyslots":[],"deep":${'['.repeat(5000)}${']'.repeat(5000)}}}`,
        ),
      ],
      ['json', '{"keyslots": '],
      ['sections', '{"keyslots":{},"tokens":{},"segments":{},"digests":{}}'],
      ['sections', '[1,2,3]'],
    ];
    for (const [rule, text] of cases) {
      const e = await refused(
        openBytes(rewriteJson(headerBytes, text)),
        rule === 'sections' && text.startsWith('[')
          ? LuksHeaderDamagedError
          : rule === 'json' || rule === 'duplicate-key' || rule === 'depth'
            ? LuksHeaderDamagedError
            : LuksMetadataError,
      );
      if (e instanceof LuksMetadataError) assert.is(e.rule, rule);
      else
        assert.match(
          e.problems.join(' '),
          rule === 'duplicate-key' ? /appears twice/ : rule === 'depth' ? /deeper than/ : /JSON|object/,
        );
    }
    // A JSON area filled to the end without a terminating NUL.
    const full = rewriteJson(headerBytes, new Uint8Array(16384 - 4096).fill(0x20));
    const e = await refused(openBytes(full), LuksHeaderDamagedError);
    assert.match(e.problems[0], /no terminating NUL/);
  },
);

t('huge JSON: a 4 MiB header copy whose JSON area is full opens (or fails) in bounded time', async () => {
  const { headerBytes } = fixtureStores(image);
  const size = 4 << 20;
  const json = jsonOf(headerBytes);
  json.config.json_size = String(size - 4096);
  json.config.keyslots_size = '0';
  json.keyslots = {};
  json.digests['0'].keyslots = [];
  json.tokens['0'] = { type: 'filler', keyslots: [], data: [] };
  const filler = ',0'.repeat((size - 4096 - JSON.stringify(json).length - 16) / 2).slice(1);
  const text = JSON.stringify(json).replace('"data":[]', `"data":[${filler}]`);
  const big = new Uint8Array(size + 4096);
  big.set(headerBytes.subarray(0, 4096));
  new DataView(big.buffer).setBigUint64(8, BigInt(size));
  const started = Date.now();
  const c = await openBytes(rewriteJson(big, text, 'primary', size));
  assert.ok(Date.now() - started < 5000);
  assert.equal(
    c.tokens.map((x) => x.type),
    ['filler'],
  );
  assert.is(c.headerSize, size);
});

t('hostile JSON: absurd offsets, sizes, ids and references → named rules, checked before any read', async () => {
  const { headerBytes } = fixtureStores(image);
  const mutate = (change) => {
    const json = jsonOf(headerBytes);
    change(json);
    return rewriteJson(headerBytes, JSON.stringify(json));
  };
  const cases = [
    [
      'offset',
      (j) => {
        j.keyslots['0'].area.offset = '99999999999999999999';
      },
    ],
    [
      'area',
      (j) => {
        j.keyslots['0'].area.offset = String(1 << 30);
      },
    ],
    [
      'area',
      (j) => {
        j.keyslots['0'].af.stripes = 1e9;
      },
    ],
    [
      'area',
      (j) => {
        j.keyslots['1'] = structuredClone(j.keyslots['0']);
        j.digests['0'].keyslots.push('1');
      },
    ],
    [
      'ids',
      (j) => {
        j.keyslots['x'] = j.keyslots['0'];
      },
    ],
    [
      'ids',
      (j) => {
        j.tokens['77'] = { type: 'x', keyslots: [] };
      },
    ],
    [
      'references',
      (j) => {
        j.digests['0'].keyslots = ['5'];
      },
    ],
    [
      'references',
      (j) => {
        j.tokens['0'] = { type: 'x', keyslots: ['9'] };
      },
    ],
    [
      'config',
      (j) => {
        j.config.json_size = '999';
      },
    ],
    [
      'segment',
      (j) => {
        j.segments['0'].sector_size = 3000;
      },
    ],
    [
      'segment',
      (j) => {
        j.segments['0'].offset = '513';
      },
    ],
    [
      'key-size',
      (j) => {
        j.keyslots['0'].key_size = 1 << 20;
      },
    ],
    [
      'field',
      (j) => {
        j.keyslots['0'].kdf.memory = -1;
      },
    ],
    [
      'field',
      (j) => {
        j.keyslots['0'].kdf.salt = 'not base64!';
      },
    ],
    [
      'field',
      (j) => {
        j.keyslots['0'].kdf.salt = 'AAAA';
      },
    ],
  ];
  for (const [rule, change] of cases) {
    const e = await refused(openBytes(mutate(change)), LuksMetadataError);
    assert.is(e.rule, rule, `${rule}: ${e.message}`);
  }
  await refused(
    openBytes(
      mutate((j) => {
        j.segments['0'].integrity = { type: 'hmac(sha256)' };
      }),
    ),
    UnsupportedLuksError,
    /integrity/,
  );
  await refused(
    openBytes(
      mutate((j) => {
        j.segments['0'].encryption = 'serpent-xts-plain64';
      }),
    ),
    UnsupportedLuksError,
    /aes-xts-plain64/,
  );
  await refused(
    openBytes(
      mutate((j) => {
        j.config.requirements = { mandatory: ['online-reencrypt-v2'] };
      }),
    ),
    UnsupportedLuksError,
    /online-reencrypt/,
  );
});

t(
  'absurd KDF costs: KdfLimitError before any work (gigabytes, passes, lanes, iterations); limits can be raised or lowered',
  async () => {
    const { headerBytes } = fixtureStores(image);
    const mutate = (change) => {
      const json = jsonOf(headerBytes);
      change(json.keyslots['0'].kdf, json);
      return rewriteJson(headerBytes, JSON.stringify(json));
    };
    for (const [change, pattern] of [
      [
        (k) => {
          k.memory = 4194304;
        },
        /4194304 KiB of memory; the limit is 1048576/,
      ],
      [
        (k) => {
          k.memory = 1048576;
          k.time = 100;
        },
        /KiB·passes/,
      ],
      [
        (k) => {
          k.cpus = 1000;
        },
        /1000 lanes/,
      ],
      [
        (k, j) => {
          j.digests['0'].iterations = 2 ** 31;
        },
        /2147483648 iterations/,
      ],
    ]) {
      const c = await openBytes(mutate(change));
      const e = await refused(c.unlock({ passphrase: image.passphrases[0] }), KdfLimitError, pattern);
      assert.is(e.code, 'KDF_LIMIT');
    }
    const strict = await openBytes(headerBytes, { kdfLimits: { maxMemoryKiB: 16 } });
    await refused(strict.unlock({ passphrase: image.passphrases[0] }), KdfLimitError, /the limit is 16 KiB/);
  },
);

t("a rewrite keeps unknown members and unknown tokens; both copies get seqid + 1 and cryptsetup's layout", async () => {
  const { headerBytes, data } = fixtureStores(image);
  const json = jsonOf(headerBytes);
  json.config.x_vendor = { keep: [1, 2, 3] };
  json.keyslots['0'].x_note = 'mine';
  json.tokens['3'] = { type: 'systemd-tpm2', keyslots: ['0'], 'tpm2-pcrs': [7], extra: { nested: true } };
  const store = new MemoryBlockStore(rewriteJson(headerBytes, JSON.stringify(json)));
  const c = await LuksContainer.open(data, { header: store });
  const before = c.seqid;
  const id = await c.importToken({ type: 'vendor-thing', keyslots: [], blob: 'abc' });
  assert.is(id, '0');
  const after = await store.read(0, 32768);
  const view = new DataView(after.buffer);
  assert.is(view.getBigUint64(16), before + 1n);
  assert.is(view.getBigUint64(16384 + 16), before + 1n);
  for (const at of [0, 16384]) {
    const j = jsonOf(after, at);
    assert.equal(j.config.x_vendor, { keep: [1, 2, 3] });
    assert.is(j.keyslots['0'].x_note, 'mine');
    assert.equal(j.tokens['3'], json.tokens['3']);
    assert.equal(j.tokens['0'], { type: 'vendor-thing', keyslots: [], blob: 'abc' });
  }
  assert.equal([...after.subarray(16384, 16390)], [0x53, 0x4b, 0x55, 0x4c, 0xba, 0xbe]);
  await refused(c.importToken({ type: 'luks2-keyring', keyslots: [] }), RangeError, /luks2-/);
  await c.removeToken('0');
  assert.equal(
    c.tokens.map((x) => x.id),
    ['3'],
  );
});

t.run();
