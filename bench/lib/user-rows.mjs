// The rows of issue 14 that measure what a user feels rather than the kernel: the CLI encrypting
// and decrypting a file (wall time of the whole process, and its peak RSS), encryptStream over a
// buffer in memory (stream-rows.mjs), `atrest --version` and `import('atrest')` in fresh processes, and OpenSSL's bitsliced code timed
// alternately with the atrest kernel. Node only (bench/xts.mjs). Each row that compares with the
// single-thread engine times that engine in the same run, alternating with the row's own samples,
// so a slow phase of the shared machine lands on both.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MiB, median, prngBytes, timeCalls } from './measure.mjs';

// ---------------------------------------------------------------------------------------------
// OpenSSL's bitsliced SSSE3 XTS (AES-NI masked) against the atrest kernel, alternately

const OPENSSL_MASK = '~0x200000200000000'; // clears AES-NI (bit 57) and PCLMULQDQ (bit 33) of OPENSSL_ia32cap

// `-elapsed`: openssl speed divides by its CPU user time unless told otherwise, while the atrest
// rows are wall-clock; on a shared machine that flattered OpenSSL by the time it waited for a core.
function opensslOnce(op, seconds) {
  const args = ['speed', '-elapsed', '-evp', 'aes-256-xts', '-bytes', '4096', '-seconds', String(seconds)];
  if (op === 'decrypt') args.splice(1, 0, '-decrypt');
  const r = spawnSync('openssl', args, { encoding: 'utf8', env: { ...process.env, OPENSSL_ia32cap: OPENSSL_MASK } });
  if (r.error || r.status !== 0)
    throw new Error(`openssl speed failed: ${(r.error && r.error.message) || r.stderr.trim().split('\n').pop()}`);
  const m = r.stdout.match(/^AES-256-XTS\s+([\d.]+)k\s*$/m);
  if (!m) throw new Error(`could not read openssl speed output: ${r.stdout.slice(-200)}`);
  return {
    mibps: (parseFloat(m[1]) * 1000) / MiB,
    masked: new RegExp(`env:${OPENSSL_MASK}`).test(r.stdout + r.stderr),
  };
}

/**
 * `rounds` rounds of: openssl encrypt, atrest encrypt, openssl decrypt, atrest decrypt (order
 * reversed every other round), each about `seconds` long; medians over the rounds.
 * xts: an engine.xts(key, { sectorSize: 4096 }) of the SIMD build; data/ct/out: buffers.
 */
export function opensslAlternating({ xts, data, ct, first, out, seconds, rounds }) {
  const s = { openssl: { encrypt: [], decrypt: [] }, atrest: { encrypt: [], decrypt: [] } };
  let masked = true;
  const steps = [
    () => {
      const r = opensslOnce('encrypt', seconds);
      masked &&= r.masked;
      s.openssl.encrypt.push(r.mibps);
    },
    () =>
      s.atrest.encrypt.push(
        data.length / MiB / (timeCalls(() => xts.encrypt(data, first, out), seconds * 1000) / 1000),
      ),
    () => {
      const r = opensslOnce('decrypt', seconds);
      masked &&= r.masked;
      s.openssl.decrypt.push(r.mibps);
    },
    () =>
      s.atrest.decrypt.push(data.length / MiB / (timeCalls(() => xts.decrypt(ct, first, out), seconds * 1000) / 1000)),
  ];
  for (let r = 0; r < rounds; r++) for (const step of r % 2 ? [...steps].reverse() : steps) step();
  const med = (k, op) => median(s[k][op]);
  return {
    command: `OPENSSL_ia32cap="${OPENSSL_MASK}" openssl speed -elapsed -evp aes-256-xts -bytes 4096 -seconds ${seconds} [-decrypt]`,
    aesniMasked: masked,
    rounds,
    bytes: data.length,
    encrypt: { mibps: med('openssl', 'encrypt') },
    decrypt: { mibps: med('openssl', 'decrypt') },
    atrest: { encrypt: med('atrest', 'encrypt'), decrypt: med('atrest', 'decrypt') },
    samples: s,
  };
}

// ---------------------------------------------------------------------------------------------
// The CLI on a file

// Loaded into the CLI process with --import: prints its peak RSS (KiB) on exit. Linux's VmHWM
// (/proc/self/status), not getrusage's maxRSS: the kernel carries ru_maxrss across exec, so a
// child forked from this bench process reported this process's RSS (228 MB for a CLI whose own
// peak was 181 MB; a bare `node -e ''` spawned beside a 300 MB buffer "peaked" at 311 MB).
// VmHWM belongs to the address space exec made, worker threads included. getrusage elsewhere.
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { readFileSync, writeSync } from 'node:fs'; process.on('exit', () => { let kib = process.resourceUsage().maxRSS; try { kib = Number(/^VmHWM:\\s+(\\d+) kB/m.exec(readFileSync('/proc/self/status', 'latin1'))[1]); } catch {} writeSync(2, '@@ATREST-RSS@@ ' + kib + '\\n'); });",
)}`;

function runCli(bin, args, env, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, bin, ...args], {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const m = stderr.match(/@@ATREST-RSS@@ (\d+)/);
      if (code !== 0)
        return reject(
          new Error(`atrest ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`),
        );
      resolve({ ms, maxRssBytes: m ? Number(m[1]) * 1024 : null });
    });
  });
}

/**
 * `atrest encrypt` and `atrest decrypt` of a file of `bytes` pseudo-random bytes (fresh processes,
 * wall time from spawn to exit), `rounds` times each, alternating with the single-thread engine
 * encrypting/decrypting a 64 MiB buffer as 4096-byte sectors in this process. Checks the round
 * trip byte for byte. Returns MiB/s medians, ratios to the engine, peak RSS.
 */
export async function cliRows({ bin, engine, key, bytes, rounds }) {
  const dir = await mkdtemp(join(tmpdir(), 'atrest-bench-cli-'));
  const env = {
    ...process.env,
    ATREST_HOME: join(dir, 'home'),
    ATREST_ROOT_KEY: Buffer.from(key.subarray(0, 32)).toString('hex'),
  };
  delete env.ATREST_PASSPHRASE;
  try {
    const plain = join(dir, 'plain.bin');
    const chunk = 16 * MiB;
    const f = await open(plain, 'w');
    for (let done = 0, i = 1; done < bytes; done += chunk, i++)
      await f.write(prngBytes(Math.min(chunk, bytes - done), i));
    await f.sync();
    await f.close();
    const engBytes = Math.min(64 * MiB, bytes);
    const buf = prngBytes(engBytes, 99);
    const out = new Uint8Array(engBytes);
    const xts = engine.xts(key, { sectorSize: 4096 });
    const ct = xts.encrypt(buf, 0);
    const s = { cliEncrypt: [], cliDecrypt: [], engineEncrypt: [], engineDecrypt: [], copy: [], rss: [] };
    const engineMibps = (fn) => engBytes / MiB / (timeCalls(fn, 1500) / 1000);
    // Each timed process starts with no dirty pages: the last output's (or the input's)
    // write-back otherwise lands in the next run's fdatasync (the CLI makes its output durable
    // before the rename), which is how one run measured the CLI at 0.95× while it ran at 1.6–2.9×
    // with the disk quiet. `sync` is outside the timings.
    const settle = () => spawnSync('sync');
    for (let r = 0; r < rounds; r++) {
      s.engineEncrypt.push(engineMibps(() => xts.encrypt(buf, 0, out)));
      settle();
      // The I/O ceiling: the same bytes read and written durably with no crypto (dd, 4 MiB
      // blocks, fdatasync at the end, as the CLI does).
      const c0 = performance.now();
      const dd = spawnSync('dd', [`if=${plain}`, `of=${join(dir, 'copy.bin')}`, 'bs=4M', 'conv=fdatasync'], {
        stdio: 'ignore',
      });
      if (dd.status === 0) s.copy.push(bytes / MiB / ((performance.now() - c0) / 1000));
      await rm(join(dir, 'copy.bin'), { force: true });
      settle();
      const e = await runCli(bin, ['encrypt', plain, join(dir, 'c.atrest')], env, dir);
      s.cliEncrypt.push(bytes / MiB / (e.ms / 1000));
      s.rss.push(e.maxRssBytes);
      s.engineDecrypt.push(engineMibps(() => xts.decrypt(ct, 0, out)));
      await rm(join(dir, 'p.bin'), { force: true });
      settle();
      const d = await runCli(bin, ['decrypt', join(dir, 'c.atrest'), join(dir, 'p.bin')], env, dir);
      s.cliDecrypt.push(bytes / MiB / (d.ms / 1000));
      s.rss.push(d.maxRssBytes);
      await rm(join(dir, 'c.atrest'), { force: true });
    }
    xts.dispose();
    const same = spawnSync('cmp', ['-s', plain, join(dir, 'p.bin')]).status === 0;
    if (!same) throw new Error('atrest decrypt did not give the file back');
    const m = (k) => median(s[k]);
    return {
      bytes,
      rounds,
      encryptMibps: m('cliEncrypt'),
      decryptMibps: m('cliDecrypt'),
      engineEncryptMibps: m('engineEncrypt'),
      engineDecryptMibps: m('engineDecrypt'),
      encryptRatio: m('cliEncrypt') / m('engineEncrypt'),
      decryptRatio: m('cliDecrypt') / m('engineDecrypt'),
      copyMibps: s.copy.length > 0 ? m('copy') : null,
      peakRssBytes: s.rss.every((x) => x != null) ? Math.max(...s.rss) : null,
      samples: s,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// encryptStream over a buffer in memory: portable, in stream-rows.mjs (Deno and Chromium run it too)

export { streamRows } from './stream-rows.mjs';

// ---------------------------------------------------------------------------------------------
// Start-up in fresh processes: `atrest --version` and `import('atrest')`

/** `runs` rounds, each of three fresh processes in turn: a bare `node -e ''`, `atrest --version`
 *  and `import()` of dist/index.js (timed inside the child with performance.now() around the
 *  import, and from outside as spawn to exit). Alternating makes the rows comparable on a loaded
 *  machine: all three grow together, and the differences are atrest's. */
export function versionRows({ bin, runs, entry }) {
  const ms = [];
  const nodeMs = [];
  const importMs = [];
  const importWallMs = [];
  const time = (args) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    return { r, t: performance.now() - t0 };
  };
  const importArgs = [
    '--input-type=module',
    '-e',
    `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(entry).href)}); console.log(performance.now() - t0);`,
  ];
  for (let i = 0; i < runs; i++) {
    nodeMs.push(time(['-e', '']).t);
    const { r, t } = time([bin, '--version']);
    if (r.status !== 0)
      return { skipped: `atrest --version exits ${r.status} (${(r.stderr || '').trim().split('\n')[0]})` };
    ms.push(t);
    const imported = time(importArgs);
    if (imported.r.status !== 0)
      return {
        skipped: `import('atrest') exits ${imported.r.status} (${(imported.r.stderr || '').trim().split('\n')[0]})`,
      };
    importMs.push(Number(imported.r.stdout.trim()));
    importWallMs.push(imported.t);
  }
  return {
    runs,
    medianMs: median(ms),
    samplesMs: ms,
    bareNodeMedianMs: median(nodeMs),
    bareNodeSamplesMs: nodeMs,
    importMedianMs: median(importMs),
    importSamplesMs: importMs,
    importWallMedianMs: median(importWallMs),
    importWallSamplesMs: importWallMs,
  };
}
