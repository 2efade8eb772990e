// LUKS2 images made by cryptsetup 2.6.1 (tests/vectors/luks-cryptsetup.json and its recipe):
// sector sizes 512, 1024, 2048, 4096; 256- and 512-bit XTS keys; argon2id with 1, 2 and 4
// lanes, argon2i, pbkdf2-sha256 and pbkdf2-sha512 keyslots (AF sha256 and sha512); detached
// headers with data encrypted in place by `cryptsetup reencrypt --encrypt`. atrest opens every
// keyslot, refuses a wrong passphrase, reads the plaintext, and writes sectors cryptsetup's way.
// Portable: Node, Deno, Chromium.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LuksContainer, WrongPassphraseError } from '../dist/luks/index.js';
import { fixtureImages, fixturePlaintext, fixtureStores, fromBase64, hex } from './_lib/luks.js';
import { assertBytes } from './_lib/assert.js';

const t = suite('luks: cryptsetup-made images');
let images;
t.before(async () => {
  images = await fixtureImages();
});

t('the fixtures cover the sector sizes, key sizes and KDFs', () => {
  assert.equal(
    [...new Set(images.map((i) => i.sectorSize))].sort((a, b) => a - b),
    [512, 1024, 2048, 4096],
  );
  assert.equal([...new Set(images.map((i) => i.keySize))].sort(), [32, 64]);
  const kdfs = new Set(
    images.flatMap((i) => i.slots.map((s) => (s.type === 'pbkdf2' ? `pbkdf2-${s.hash}` : `${s.type}-${s.lanes}`))),
  );
  for (const k of ['argon2id-1', 'argon2id-2', 'argon2id-4', 'argon2i-2', 'pbkdf2-sha256', 'pbkdf2-sha512'])
    assert.ok(kdfs.has(k), k);
});

t(
  'every keyslot opens with its passphrase and yields the volume key; header fields as cryptsetup wrote them',
  async () => {
    for (const image of images) {
      const { header, data } = fixtureStores(image);
      const c = await LuksContainer.open(data, { header, readOnly: true });
      assert.is(c.sectorSize, image.sectorSize, image.name);
      assert.is(c.dataOffset, 0, image.name);
      assert.is(c.headerSize, 16384);
      assert.equal(
        c.keyslots.map((k) => k.kdf),
        image.slots.map((s) => s.type),
        image.name,
      );
      for (let i = 0; i < image.slots.length; i++) {
        const key = await c.unlock({ passphrase: image.passphrases[i], keyslot: String(i) });
        assert.is(key.keyslot, String(i));
        assert.is(hex(key.bytes()), image.volumeKey, `${image.name} keyslot ${i}`);
        key.dispose();
      }
      const any = await c.unlock({ passphrase: image.passphrases[image.slots.length - 1] });
      assert.is(any.keyslot, String(image.slots.length - 1));
    }
  },
);

t(
  'a wrong passphrase is refused by every keyslot (WrongPassphraseError), and a right one for another slot too',
  async () => {
    for (const image of images) {
      const { header, data } = fixtureStores(image);
      const c = await LuksContainer.open(data, { header, readOnly: true });
      await c.unlock({ passphrase: 'not the passphrase' }).then(
        () => assert.unreachable('opened'),
        (e) => {
          assert.instance(e, WrongPassphraseError);
          assert.is(e.code, 'WRONG_PASSPHRASE');
        },
      );
      if (image.slots.length > 1) {
        await c.unlock({ passphrase: image.passphrases[1], keyslot: '0' }).then(
          () => assert.unreachable('opened'),
          (e) => assert.instance(e, WrongPassphraseError),
        );
      }
    }
  },
);

t(
  'the data segment reads as the plaintext cryptsetup encrypted (dm-crypt numbering: tweak = n · sector/512)',
  async () => {
    for (const image of images) {
      const { header, data } = fixtureStores(image);
      const c = await LuksContainer.open(data, { header, readOnly: true });
      const key = await c.unlock({ passphrase: image.passphrases[0] });
      const vol = await c.openVolume(key);
      assert.is(vol.size, image.dataBytes);
      assertBytes(await vol.read(0, vol.size), fixturePlaintext(image.dataBytes), image.name);
      assertBytes(
        await vol.read(1000, 3000),
        fixturePlaintext(image.dataBytes).subarray(1000, 4000),
        `${image.name} range`,
      );
      await vol.close();
    }
  },
);

t(
  "writing the same plaintext through atrest gives cryptsetup's ciphertext byte for byte; partial writes patch sectors",
  async () => {
    for (const image of images) {
      const { header, data } = fixtureStores(image);
      const blank = new data.constructor(new Uint8Array(image.dataBytes));
      const c = await LuksContainer.open(blank, { header });
      const key = await c.unlock({ passphrase: image.passphrases[0] });
      const vol = await c.openVolume(key);
      const plain = fixturePlaintext(image.dataBytes);
      await vol.write(0, plain.subarray(0, 777));
      await vol.write(777, plain.subarray(777));
      await vol.flush();
      assertBytes(await blank.read(0, image.dataBytes), fromBase64(image.data), `${image.name} ciphertext`);
      await vol.close();
    }
  },
);

t.run();
