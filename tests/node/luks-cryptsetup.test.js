// Node only: atrest's LUKS2 against Debian's cryptsetup (/usr/sbin/cryptsetup, installed by
// .ci/run; the test fails when it is missing) in both directions, on regular files (these
// machines have no device-mapper, so `cryptsetup open` is not possible; `open --test-passphrase`,
// `luksDump --dump-volume-key` and offline `reencrypt` are what check keys and data).
//   cryptsetup → atrest: sector sizes 512…4096 × 256/512-bit keys, six KDFs as keyslots,
//     data written by `reencrypt --encrypt`: atrest unlocks each keyslot and reads the plaintext.
//   atrest → cryptsetup: isLuks, luksDump, test-passphrase, the volume key, `reencrypt --decrypt`
//     of atrest-written data; luksAddKey/luksKillSlot/token import by cryptsetup and atrest's own
//     changes, each tool opening the other's result; damaged copies; the atrest-kms token.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { FileBlockStore } from '../../dist/fs/index.js';
import { createLuks, LuksContainer, LuksHeaderDamagedError } from '../../dist/luks/index.js';
import { appOnlyPolicy, setup } from '../_lib/envelope.js';

const CRYPTSETUP = '/usr/sbin/cryptsetup';
const FAST = { type: 'argon2id', memory: 256, time: 4 };
let dir;

function cs(args, input) {
  const r = spawnSync(CRYPTSETUP, args, { input });
  return { rc: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}
function ok(args, what) {
  const r = cs(args);
  assert.is(r.rc, 0, `${what ?? args.join(' ')}: rc ${r.rc}: ${r.err}`);
  return r.out;
}
const p = (name) => join(dir, name);
const sha = (b) => createHash('sha256').update(b).digest('hex');
const kdfArgs = (k) =>
  k.type === 'pbkdf2'
    ? ['--pbkdf', 'pbkdf2', '--hash', k.hash, '--pbkdf-force-iterations', '1000']
    : ['--pbkdf', k.type, '--pbkdf-memory', '32', '--pbkdf-force-iterations', '4', '--pbkdf-parallel', String(k.lanes)];
const KDFS = [
  { type: 'argon2id', lanes: 1 },
  { type: 'argon2id', lanes: 2 },
  { type: 'argon2id', lanes: 4 },
  { type: 'argon2i', lanes: 1 },
  { type: 'pbkdf2', hash: 'sha256' },
  { type: 'pbkdf2', hash: 'sha512' },
];

async function openFiles(data, header, readOnly = true) {
  const d = await FileBlockStore.open(data, { readOnly });
  const h = header ? await FileBlockStore.open(header, { readOnly }) : undefined;
  return {
    d,
    h,
    c: await LuksContainer.open(d, { header: h, readOnly }),
    close: async () => {
      await d.close();
      await h?.close();
    },
  };
}

function volumeKeyOf(image, passFile, header) {
  const vk = p('dumped.vk');
  rmSync(vk, { force: true });
  ok([
    'luksDump',
    '--dump-volume-key',
    '--volume-key-file',
    vk,
    '--batch-mode',
    '--key-file',
    passFile,
    ...(header ? ['--header', header] : []),
    image,
  ]);
  return readFileSync(vk).toString('hex');
}

const t = suite('luks: interop with cryptsetup');
t.before(() => {
  if (!existsSync(CRYPTSETUP))
    throw new Error(`${CRYPTSETUP} is missing: apt-get install cryptsetup-bin (.ci/run does)`);
  dir = mkdtempSync(join(tmpdir(), 'atrest-luks-'));
});
t.after(() => rmSync(dir, { recursive: true, force: true }));

t(
  'cryptsetup → atrest: 4 sector sizes × 2 key sizes × 6 KDFs; wrong passphrases refused; data equal to the plaintext',
  async () => {
    const matrix = [];
    for (const sectorSize of [512, 1024, 2048, 4096]) {
      for (const keySize of [32, 64]) {
        const name = `cs-${sectorSize}-${keySize}`;
        const plain = randomBytes(64 * 1024);
        writeFileSync(p(`${name}.data`), plain);
        const vk = randomBytes(keySize);
        writeFileSync(p(`${name}.vk`), vk);
        KDFS.forEach((_, i) => writeFileSync(p(`${name}.pw${i}`), `pw ${name} ${i}`));
        ok([
          'reencrypt',
          '--encrypt',
          '--type',
          'luks2',
          '-q',
          '--batch-mode',
          '--header',
          p(`${name}.hdr`),
          '--volume-key-file',
          p(`${name}.vk`),
          '--key-size',
          String(keySize * 8),
          '--sector-size',
          String(sectorSize),
          ...kdfArgs(KDFS[0]),
          '--key-file',
          p(`${name}.pw0`),
          p(`${name}.data`),
        ]);
        for (let i = 1; i < KDFS.length; i++)
          ok([
            'luksAddKey',
            '-q',
            '--batch-mode',
            '--header',
            p(`${name}.hdr`),
            ...kdfArgs(KDFS[i]),
            '--key-file',
            p(`${name}.pw0`),
            p(`${name}.data`),
            p(`${name}.pw${i}`),
          ]);
        const { c, close } = await openFiles(p(`${name}.data`), p(`${name}.hdr`));
        try {
          assert.is(c.sectorSize, sectorSize);
          for (let i = 0; i < KDFS.length; i++) {
            const key = await c.unlock({ passphrase: `pw ${name} ${i}`, keyslot: String(i) });
            assert.is(Buffer.from(key.bytes()).toString('hex'), vk.toString('hex'), `${name} keyslot ${i}`);
          }
          await c.unlock({ passphrase: 'wrong' }).then(
            () => assert.unreachable('wrong passphrase opened'),
            (e) => assert.is(e.name, 'WrongPassphraseError'),
          );
          const vol = await c.openVolume(await c.unlock({ passphrase: `pw ${name} 5` }));
          assert.is(sha(await vol.read(0, vol.size)), sha(plain), `${name} data`);
          matrix.push(name);
        } finally {
          await close();
        }
      }
    }
    assert.is(matrix.length, 8);
  },
);

t(
  'atrest → cryptsetup: isLuks, luksDump, test-passphrase, volume key, reencrypt --decrypt of atrest-written data',
  async () => {
    const pbkdfs = [
      FAST,
      { type: 'pbkdf2', hash: 'sha512', iterations: 1000 },
      { type: 'argon2i', memory: 64, cpus: 2, time: 4 },
      { type: 'pbkdf2', hash: 'sha256', iterations: 1000 },
    ];
    let n = 0;
    for (const sectorSize of [512, 1024, 2048, 4096]) {
      for (const keySize of [32, 64]) {
        const name = `at-${sectorSize}-${keySize}`;
        const pbkdf = pbkdfs[n++ % pbkdfs.length];
        writeFileSync(p(`${name}.data`), '');
        writeFileSync(p(`${name}.pw`), 'atrest pw');
        const data = await FileBlockStore.open(p(`${name}.data`));
        const header = await FileBlockStore.open(p(`${name}.hdr`), { create: true });
        const { container, key } = await createLuks(data, {
          size: 128 * 1024,
          sectorSize,
          keySize,
          passphrase: 'atrest pw',
          pbkdf,
          header,
          keyslotsSize: 1 << 20,
        });
        const plain = randomBytes(128 * 1024);
        const vol = await container.openVolume(key);
        await vol.write(0, plain);
        await vol.close();
        const keyHex = Buffer.from(key.bytes()).toString('hex');
        await data.close();
        await header.close();
        assert.is(cs(['isLuks', p(`${name}.hdr`)]).rc, 0, `${name} isLuks`);
        const dump = ok(['luksDump', p(`${name}.hdr`)]);
        assert.match(dump, new RegExp(`sector: ${sectorSize} \\[bytes\\]`));
        assert.match(dump, new RegExp(`PBKDF:\\s+${pbkdf.type}`));
        assert.is(
          cs([
            'open',
            '--test-passphrase',
            '--header',
            p(`${name}.hdr`),
            '--key-file',
            p(`${name}.pw`),
            p(`${name}.data`),
          ]).rc,
          0,
          `${name} test-passphrase`,
        );
        assert.is(
          cs(['open', '--test-passphrase', '--header', p(`${name}.hdr`), '--key-file', '-', p(`${name}.data`)], 'wrong')
            .rc,
          2,
          'a wrong passphrase is rc 2',
        );
        assert.is(volumeKeyOf(p(`${name}.data`), p(`${name}.pw`), p(`${name}.hdr`)), keyHex, `${name} volume key`);
        ok([
          'reencrypt',
          '--decrypt',
          '--force-offline-reencrypt',
          '-q',
          '--batch-mode',
          '--header',
          p(`${name}.hdr`),
          '--key-file',
          p(`${name}.pw`),
          p(`${name}.data`),
        ]);
        assert.is(sha(readFileSync(p(`${name}.data`))), sha(plain), `${name}: cryptsetup decrypted atrest's data`);
      }
    }
  },
);

t('both directions of keyslot and token changes on an attached header; damage of one copy, then both', async () => {
  const img = p('both.img');
  writeFileSync(img, '');
  let store = await FileBlockStore.open(img);
  const { container, key } = await createLuks(store, {
    size: 64 * 1024,
    sectorSize: 4096,
    passphrase: 'first',
    pbkdf: FAST,
    keyslotsSize: 1 << 20,
  });
  const keyHex = Buffer.from(key.bytes()).toString('hex');
  await store.close();
  writeFileSync(p('first'), 'first');
  writeFileSync(p('second'), 'second');
  writeFileSync(p('third'), 'third');
  // cryptsetup changes, atrest opens.
  ok([
    'luksAddKey',
    '-q',
    '--batch-mode',
    ...kdfArgs({ type: 'pbkdf2', hash: 'sha256' }),
    '--key-file',
    p('first'),
    img,
    p('second'),
  ]);
  writeFileSync(p('token.json'), JSON.stringify({ type: 'vendor-x', keyslots: ['1'], note: 'from cryptsetup' }));
  ok(['token', 'import', '--token-id', '5', '--json-file', p('token.json'), img]);
  let o = await openFiles(img, undefined, false);
  assert.is((await o.c.unlock({ passphrase: 'second' })).keyslot, '1');
  assert.equal(o.c.tokens, [{ id: '5', type: 'vendor-x', keyslots: ['1'] }]);
  // atrest changes, cryptsetup opens.
  const k = await o.c.unlock({ passphrase: 'first' });
  assert.is(await o.c.addKeyslot(k, { passphrase: 'third', pbkdf: { type: 'argon2i', memory: 64, time: 4 } }), '2');
  await o.c.removeKeyslot('0');
  await o.close();
  assert.is(
    cs(['open', '--test-passphrase', '--key-file', p('third'), img]).rc,
    0,
    'atrest keyslot 2 opens in cryptsetup',
  );
  assert.is(
    cs(['open', '--test-passphrase', '--key-file', p('first'), img]).rc,
    2,
    'removed keyslot 0 no longer opens',
  );
  assert.is(volumeKeyOf(img, p('second')), keyHex);
  const exported = JSON.parse(ok(['token', 'export', '--token-id', '5', img]));
  assert.equal(exported, { type: 'vendor-x', keyslots: ['1'], note: 'from cryptsetup' });
  ok(['luksKillSlot', '-q', '--batch-mode', '--key-file', p('third'), img, '1']);
  o = await openFiles(img);
  assert.equal(
    o.c.keyslots.map((s) => s.id),
    ['2'],
  );
  assert.is((await o.c.unlock({ passphrase: 'third' })).keyslot, '2');
  await o.close();
  // Damage: one flipped byte in the primary JSON area → both tools use the secondary copy.
  const bytes = readFileSync(img);
  bytes[4096 + 100] ^= 1;
  writeFileSync(img, bytes);
  assert.is(
    cs(['open', '--test-passphrase', '--key-file', p('third'), img]).rc,
    0,
    'cryptsetup uses the secondary copy',
  );
  o = await openFiles(img);
  assert.is((await o.c.unlock({ passphrase: 'third' })).keyslot, '2');
  await o.close();
  bytes[16384 + 4096 + 100] ^= 1;
  writeFileSync(img, bytes);
  assert.not.equal(
    cs(['open', '--test-passphrase', '--key-file', p('third'), img]).rc,
    0,
    'cryptsetup refuses both damaged',
  );
  store = await FileBlockStore.open(img, { readOnly: true });
  await LuksContainer.open(store).then(
    () => assert.unreachable('opened'),
    (e) => assert.instance(e, LuksHeaderDamagedError),
  );
  await store.close();
});

t(
  'atrest-kms token: opens through the key service; cryptsetup keeps it through its own changes and opens the passphrase keyslot',
  async () => {
    const s = setup();
    const { KeyMetadata } = await s.admin.createKey({
      Policy: appOnlyPolicy(),
    });
    const img = p('token.img');
    writeFileSync(img, '');
    const store = await FileBlockStore.open(img);
    const { container } = await createLuks(store, {
      size: 64 * 1024,
      passphrase: 'recovery',
      pbkdf: FAST,
      kms: { kms: s.app, keyId: KeyMetadata.Arn },
      keyslotsSize: 1 << 20,
    });
    const token = container.metadata().tokens['0'];
    await store.close();
    writeFileSync(p('recovery'), 'recovery');
    writeFileSync(p('extra'), 'extra');
    assert.match(ok(['luksDump', img]), /0: atrest-kms/);
    assert.equal(JSON.parse(ok(['token', 'export', '--token-id', '0', img])), token);
    assert.is(cs(['open', '--test-passphrase', '--key-file', p('recovery'), img]).rc, 0);
    ok([
      'luksAddKey',
      '-q',
      '--batch-mode',
      ...kdfArgs({ type: 'pbkdf2', hash: 'sha256' }),
      '--key-file',
      p('recovery'),
      img,
      p('extra'),
    ]);
    ok(['luksKillSlot', '-q', '--batch-mode', '--key-file', p('recovery'), img, '2']);
    assert.equal(
      JSON.parse(ok(['token', 'export', '--token-id', '0', img])),
      token,
      'the token survives luksAddKey / luksKillSlot',
    );
    const o = await openFiles(img);
    assert.is((await o.c.unlock({ kms: s.app })).keyslot, '1');
    await o.c.unlock({ kms: s.reader }).then(
      () => assert.unreachable('reader opened'),
      (e) => assert.is(e.name, 'AccessDeniedError'),
    );
    await s.admin.disableKey({ KeyId: KeyMetadata.Arn });
    await o.c.unlock({ kms: s.app }).then(
      () => assert.unreachable('disabled key opened'),
      (e) => assert.is(e.name, 'KeyUnavailableError'),
    );
    await o.close();
    assert.is(
      cs(['open', '--test-passphrase', '--key-file', p('recovery'), img]).rc,
      0,
      'the passphrase keyslot still opens in cryptsetup',
    );
  },
);

t.run();
