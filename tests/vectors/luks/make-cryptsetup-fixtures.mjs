#!/usr/bin/env node
// The recipe of tests/vectors/luks-cryptsetup.json: LUKS2 images made by Debian's cryptsetup
// (cryptsetup-bin 2.6.1), so the portable tests (Node, Deno, Chromium) check atrest against
// cryptsetup's own writer without the binary. Run: node tests/vectors/luks/make-cryptsetup-fixtures.mjs
//
// Each image is a detached header (`reencrypt --encrypt --header`, data offset 0) plus a small
// data file encrypted in place by cryptsetup, with known volume key, passphrases and plaintext
// (byte i of the plaintext is (i·167 + 13 + (i >> 9)) & 255). More keyslots are added with
// `luksAddKey`. KDF costs are cryptsetup's minimums so the tests stay fast. Only the header
// copies and the keyslot areas are kept, without their all-zero pages (`pages` lists the
// others, 4096 bytes each, base64).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

const CRYPTSETUP = '/usr/sbin/cryptsetup';
const dir = mkdtempSync(join(tmpdir(), 'luks-fixtures-'));
const out = new URL('../luks-cryptsetup.json', import.meta.url);

const plaintext = (n) => Uint8Array.from({ length: n }, (_, i) => (i * 167 + 13 + (i >> 9)) & 255);
const kdfArgs = (k) => k.type === 'pbkdf2'
  ? ['--pbkdf', 'pbkdf2', '--hash', k.hash, '--pbkdf-force-iterations', '1000']
  : ['--pbkdf', k.type, '--pbkdf-memory', '32', '--pbkdf-force-iterations', '4', '--pbkdf-parallel', String(k.lanes)];

const IMAGES = [
  { name: 'sector512-aes128', sectorSize: 512, keySize: 32, dataBytes: 16384, slots: [
    { type: 'argon2id', lanes: 1 }, { type: 'argon2i', lanes: 2 }, { type: 'pbkdf2', hash: 'sha256' }, { type: 'pbkdf2', hash: 'sha512' }] },
  { name: 'sector4096-aes256', sectorSize: 4096, keySize: 64, dataBytes: 32768, slots: [{ type: 'argon2id', lanes: 4 }] },
  { name: 'sector1024-aes128', sectorSize: 1024, keySize: 32, dataBytes: 16384, slots: [{ type: 'argon2id', lanes: 2 }] },
  { name: 'sector2048-aes128', sectorSize: 2048, keySize: 32, dataBytes: 16384, slots: [{ type: 'pbkdf2', hash: 'sha512' }] },
];

const images = [];
for (const img of IMAGES) {
  const p = (f) => join(dir, `${img.name}.${f}`);
  const volumeKey = createHash('sha512').update(img.name).digest().subarray(0, img.keySize);
  writeFileSync(p('vk'), volumeKey);
  writeFileSync(p('data'), plaintext(img.dataBytes));
  const passphrases = img.slots.map((_, i) => `${img.name} passphrase ${i}`);
  passphrases.forEach((pw, i) => writeFileSync(p(`pw${i}`), pw));
  // Room for the keyslots plus the temporary reencryption keyslot cryptsetup needs while encrypting.
  const keyslotsSize = Math.ceil(img.slots.length * Math.ceil(img.keySize * 4000 / 4096) * 4096 / 65536) * 65536 + 65536;
  const run = (args) => execFileSync(CRYPTSETUP, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  run(['reencrypt', '--encrypt', '--type', 'luks2', '-q', '--batch-mode', '--header', p('hdr'), '--volume-key-file', p('vk'),
    '--key-size', String(img.keySize * 8), '--sector-size', String(img.sectorSize), ...kdfArgs(img.slots[0]),
    '--luks2-metadata-size', '16k', '--luks2-keyslots-size', String(keyslotsSize), '--key-file', p('pw0'), p('data')]);
  for (let i = 1; i < img.slots.length; i++) {
    run(['luksAddKey', '-q', '--batch-mode', '--header', p('hdr'), ...kdfArgs(img.slots[i]), '--key-file', p('pw0'), p('data'), p(`pw${i}`)]);
  }
  const header = readFileSync(p('hdr'));
  // Kept: both header copies and the keyslots' areas. Left out: pages outside them (what the
  // finished reencryption's temporary keyslot left behind; nothing reads it) and zero pages.
  const json = JSON.parse(execFileSync(CRYPTSETUP, ['luksDump', '--dump-json-metadata', p('hdr')]).toString());
  const hdrSize = Number(json.config.json_size) + 4096;
  const kept = [[0, 2 * hdrSize], ...Object.values(json.keyslots).map((k) => [Number(k.area.offset), Number(k.area.offset) + Number(k.area.size)])];
  const pages = [];
  for (let at = 0; at < header.length; at += 4096) {
    const page = header.subarray(at, at + 4096);
    if (kept.some(([a, b]) => at >= a && at < b) && page.some((b) => b !== 0)) pages.push([at, page.toString('base64')]);
  }
  images.push({
    ...img, headerBytes: header.length, pages, data: readFileSync(p('data')).toString('base64'),
    volumeKey: volumeKey.toString('hex'), passphrases,
  });
}
const version = execFileSync(CRYPTSETUP, ['--version']).toString().trim();
writeFileSync(out, JSON.stringify({ source: `made by tests/vectors/luks/make-cryptsetup-fixtures.mjs with ${version}`, images }) + '\n');
rmSync(dir, { recursive: true, force: true });
console.log(`wrote ${out.pathname}: ${images.length} images`);
