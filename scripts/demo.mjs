// npm start: encrypts and decrypts a generated 64 MiB buffer as 4 KiB sectors with
// XTS-AES-256, checks the round trip and prints MiB/s. (The CLI will make this the real job.)
import { createEngine } from '../dist/index.js';

const MiB = 1024 * 1024;
const size = 64 * MiB;
const sectorSize = 4096;

function randomBytes(n) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

const engine = await createEngine();
const key = randomBytes(64);
const xts = engine.xts(key, { sectorSize });
key.fill(0);

const plaintext = randomBytes(size);
const original = plaintext.slice();
xts.encrypt(plaintext.subarray(0, MiB), 0); // let the JIT tier up before timing

let t0 = performance.now();
const ciphertext = xts.encrypt(plaintext, 0);
const encryptMs = performance.now() - t0;
t0 = performance.now();
const decrypted = xts.decrypt(ciphertext, 0);
const decryptMs = performance.now() - t0;
xts.dispose();

let same = decrypted.length === original.length;
for (let i = 0; same && i < original.length; i++) same = decrypted[i] === original[i];
let changed = 0;
for (let i = 0; i < 4096; i++) changed += ciphertext[i] !== original[i] ? 1 : 0;

const rate = (ms) => (size / MiB / (ms / 1000)).toFixed(1);
console.log(`atrest demo: XTS-AES-256, ${size / MiB} MiB as ${size / sectorSize} sectors of ${sectorSize} bytes`);
console.log(`engine: ${engine.simd ? 'SIMD build (bitsliced AES on 128-bit vectors)' : 'no-SIMD build (bitsliced AES on 64-bit words)'}`);
console.log(`encrypt: ${rate(encryptMs)} MiB/s (${encryptMs.toFixed(0)} ms)`);
console.log(`decrypt: ${rate(decryptMs)} MiB/s (${decryptMs.toFixed(0)} ms)`);
console.log(`round trip: ${same ? 'ok, all bytes equal' : 'FAILED'}; ciphertext differs from plaintext in ${changed} of the first 4096 bytes`);
if (!same || changed < 4000) process.exitCode = 1;
