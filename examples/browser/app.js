// The example page: encrypt a chosen file into the atrest format and decrypt it back, with a
// LocalKms whose state lives in IndexedDB. Everything comes from the global `atrest` that
// ../../dist/atrest.global.js defines; no build step, no modules, any static server.
'use strict';

const { LocalKms, IndexedDbKeystore, encryptStream, decryptStream, createEngine } = atrest;

const KEYSTORE_NAME = 'atrest-browser-demo';
const ROOT_KEY_ITEM = 'atrest-browser-demo/root-key';
// Whoever calls the key service; the default key's policy allows every principal of the account.
const CALLER = 'arn:aws:iam::111122223333:role/browser-demo';
// Stored in clear in the file's header and required again by the key service to unwrap the key.
const ENCRYPTION_CONTEXT = { app: 'atrest-browser-demo' };
const MiB = 1024 * 1024;

const $ = (id) => document.getElementById(id);
const show = (id, text, className = '') => Object.assign($(id), { textContent: text, className });

// ---------------------------------------------------------------- the key service

let kmsPromise;

/** The page's KmsClient, opened on first use and kept open (the keystore holds a Web Lock, so a
 *  second tab with this page gets a KeystoreLockedError until the first one closes). */
function keyService() {
  kmsPromise ??= (async () => {
    const keystore = await IndexedDbKeystore.open(KEYSTORE_NAME, { rootKey: demoRootKey() });
    return new LocalKms({ keystore }).as(CALLER);
  })();
  kmsPromise.catch(() => (kmsPromise = undefined)); // let the next click try again
  return kmsPromise;
}

/** 32 random bytes made on the first visit and kept in localStorage: the demo's whole secret
 *  (see the warning on the page). */
function demoRootKey() {
  let hex = localStorage.getItem(ROOT_KEY_ITEM);
  if (!hex) {
    const key = crypto.getRandomValues(new Uint8Array(32));
    hex = Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(ROOT_KEY_ITEM, hex);
  }
  return Uint8Array.from(hex.match(/../g), (h) => parseInt(h, 16));
}

// ---------------------------------------------------------------- helpers

/** Runs `file` through a TransformStream and collects the output as a Blob (which the browser
 *  may keep on disk), timing the whole pass: reading, the key service calls the stream makes,
 *  the cipher, collecting. So MiB/s here is what a user waits for, below the engine's own rate. */
async function transformFile(file, transform) {
  const started = performance.now();
  const blob = await new Response(file.stream().pipeThrough(transform)).blob();
  return { blob, seconds: (performance.now() - started) / 1000 };
}

function throughput(bytes, seconds) {
  const mib = bytes / MiB;
  return `${mib.toFixed(2)} MiB in ${(seconds * 1000).toFixed(0)} ms: ${(mib / Math.max(seconds, 1e-6)).toFixed(1)} MiB/s (whole pass)`;
}

function offerDownload(linkId, blob, fileName) {
  const link = $(linkId);
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  link.textContent = `Download ${fileName} (${blob.size.toLocaleString()} bytes)`;
}

/** Index of the first differing byte of two Blobs, or -1 when equal; compared 4 MiB at a time. */
async function firstDifference(a, b) {
  const step = 4 * MiB;
  for (let offset = 0; offset < Math.max(a.size, b.size); offset += step) {
    const [x, y] = await Promise.all(
      [a.slice(offset, offset + step), b.slice(offset, offset + step)].map((s) => s.arrayBuffer()),
    );
    const u = new Uint8Array(x);
    const v = new Uint8Array(y);
    const n = Math.min(u.length, v.length);
    for (let i = 0; i < n; i++) if (u[i] !== v[i]) return offset + i;
    if (u.length !== v.length) return offset + n;
  }
  return -1;
}

/** Runs a button's action with the buttons disabled; any error is shown, never swallowed. */
async function busy(action) {
  show('error', '');
  for (const id of ['encrypt', 'decrypt']) $(id).disabled = true;
  try {
    await action();
  } catch (err) {
    show('error', `${err.name}: ${err.message}`, 'bad');
    console.error(err);
  } finally {
    for (const id of ['encrypt', 'decrypt']) $(id).disabled = false;
  }
}

// ---------------------------------------------------------------- the two actions

async function encryptChosenFile() {
  const file = $('plain-file').files[0];
  if (!file) throw new Error('choose a file to encrypt first');
  show('encrypt-status', `Encrypting ${file.name}…`);
  const kms = await keyService();
  const { blob, seconds } = await transformFile(file, encryptStream({ kms, encryptionContext: ENCRYPTION_CONTEXT }));
  offerDownload('encrypted-link', blob, `${file.name}.atrest`);
  show(
    'encrypt-status',
    `Encrypted ${throughput(file.size, seconds)}\nkey: alias/aws/atrest, context ${JSON.stringify(ENCRYPTION_CONTEXT)}`,
  );
  $('encrypt-status').dataset.state = 'done';
}

async function decryptChosenFile() {
  const file = $('encrypted-file').files[0];
  if (!file) throw new Error('choose an .atrest file to decrypt first');
  show('decrypt-status', `Decrypting ${file.name}…`);
  show('compare', '');
  const kms = await keyService();
  const { blob, seconds } = await transformFile(file, decryptStream({ kms }));
  const name = file.name.endsWith('.atrest') ? file.name.slice(0, -'.atrest'.length) : `${file.name}.decrypted`;
  offerDownload('decrypted-link', blob, name);
  show('decrypt-status', `Decrypted ${throughput(blob.size, seconds)}`);
  $('decrypt-status').dataset.state = 'done';

  const original = $('plain-file').files[0];
  if (!original) {
    show('compare', 'Choose the original under 1. to compare the bytes.');
  } else {
    const at = await firstDifference(original, blob);
    if (at < 0)
      show(
        'compare',
        `Bytes equal: the decrypted file is ${original.name}, all ${original.size.toLocaleString()} bytes.`,
        'ok',
      );
    else show('compare', `Bytes differ from ${original.name} at byte ${at.toLocaleString()}.`, 'bad');
  }
  $('compare').dataset.equal = String(original !== undefined && $('compare').className === 'ok');
}

// ---------------------------------------------------------------- start

$('encrypt').addEventListener('click', () => busy(encryptChosenFile));
$('decrypt').addEventListener('click', () => busy(decryptChosenFile));

busy(async () => {
  const engine = await createEngine();
  $('engine').textContent = `atrest loaded: XTS-AES-256 on the ${engine.simd ? 'WebAssembly SIMD' : 'no-SIMD'} engine.`;
  document.body.dataset.ready = 'true';
});
