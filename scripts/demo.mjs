// npm start: the main job, through the real `atrest` CLI on its embedded default key service.
// A key store in a temporary directory; a customer managed key whose key policy lets role/app
// encrypt and decrypt and nobody else use it; a 64 MiB generated file encrypted (progress on a
// terminal), refused to another role, decrypted, SHA-256 compared; throughput and the audit
// trail printed. Exits 1 if any check fails. Needs the build (npm install / npm run build).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'atrest.js');
const MiB = 1024 * 1024;
const SIZE = 64 * MiB;
const ACCOUNT = '111122223333';
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/admin`;
const APP = `arn:aws:iam::${ACCOUNT}:role/app`;
const GUEST = `arn:aws:iam::${ACCOUNT}:role/guest`;

const dir = await mkdtemp(join(tmpdir(), 'atrest-demo-'));
const env = { ...process.env, ATREST_HOME: join(dir, 'keystore'), ATREST_ROOT_KEY: randomBytes(32).toString('hex') };
delete env.ATREST_PASSPHRASE;
const checks = [];
const check = (ok, what) => {
  checks.push(ok);
  console.log(`  check: ${what}: ${ok ? 'ok' : 'FAILED'}`);
};

/** Runs `atrest …`; stderr goes to this terminal (progress bars, notes), stdout is returned. */
function atrest(args, { showStderr = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      cwd: dir,
      stdio: ['ignore', 'pipe', showStderr ? 'inherit' : 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function atrestJson(args) {
  const r = await atrest([...args, '--json']);
  if (r.code !== 0) throw new Error(`atrest ${args.join(' ')} failed with exit ${r.code}`);
  return JSON.parse(r.stdout);
}

async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

try {
  console.log(`atrest demo — a key store in ${dir}\n`);

  console.log(
    '1. A customer managed key, alias/demo: role/admin administers it, role/app may encrypt and decrypt, rotation yearly',
  );
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'KeyAdministrators', Effect: 'Allow', Principal: { AWS: ADMIN }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'Application',
        Effect: 'Allow',
        Principal: { AWS: APP },
        Action: ['kms:DescribeKey', 'kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
      },
    ],
  };
  await writeFile(join(dir, 'policy.json'), JSON.stringify(policy, null, 2));
  const key = await atrestJson([
    'keys',
    'create',
    '--alias',
    'alias/demo',
    '--policy',
    'policy.json',
    '--rotation-days',
    '365',
    '--as',
    ADMIN,
  ]);
  console.log(`   $ atrest keys create --alias alias/demo --policy policy.json --rotation-days 365 --as ${ADMIN}`);
  console.log(`   → ${key.KeyMetadata.Arn} (${key.KeyMetadata.KeyState})\n`);

  console.log(`2. A ${SIZE / MiB} MiB file of random bytes`);
  const plainPath = join(dir, 'data.bin');
  const file = await open(plainPath, 'w');
  const originalHash = createHash('sha256');
  for (let done = 0; done < SIZE; done += 4 * MiB) {
    const chunk = randomBytes(4 * MiB);
    originalHash.update(chunk);
    await file.write(chunk);
  }
  await file.close();
  const original = originalHash.digest('hex');
  console.log(`   sha-256 ${original}\n`);

  console.log('3. Encrypt it as role/app (XTS-AES-256, 4 KiB sectors; the data key is wrapped by alias/demo)');
  console.log(`   $ atrest encrypt data.bin data.atrest --key alias/demo --context purpose=demo --as ${APP}`);
  const enc = await atrestJson([
    'encrypt',
    'data.bin',
    'data.atrest',
    '--key',
    'alias/demo',
    '--context',
    'purpose=demo',
    '--as',
    APP,
  ]);
  console.log(
    `   → ${(enc.outputBytes / MiB).toFixed(1)} MiB in ${enc.seconds.toFixed(2)} s: ${enc.mibPerSecond.toFixed(1)} MiB/s, volume ${enc.volumeId}\n`,
  );

  console.log('4. What anyone can read without a key (atrest inspect):');
  const inspected = await atrest(['inspect', 'data.atrest']);
  for (const line of inspected.stdout.trim().split('\n')) console.log(`   ${line}`);
  console.log();

  console.log('5. role/guest is not in the key policy and holds no grant:');
  const refused = await atrest(['decrypt', 'data.atrest', 'guest.bin', '--as', GUEST], { showStderr: false });
  console.log(`   $ atrest decrypt data.atrest guest.bin --as ${GUEST} → exit ${refused.code}`);
  console.log(`   ${refused.stderr.trim()}`);
  check(refused.code === 2, 'the key service refused role/guest (exit 2)');
  console.log();

  console.log('6. Decrypt as role/app');
  console.log(`   $ atrest decrypt data.atrest data.out --as ${APP}`);
  const dec = await atrestJson(['decrypt', 'data.atrest', 'data.out', '--as', APP]);
  console.log(
    `   → ${(dec.bytes / MiB).toFixed(1)} MiB in ${dec.seconds.toFixed(2)} s: ${dec.mibPerSecond.toFixed(1)} MiB/s`,
  );
  const roundTrip = await sha256File(join(dir, 'data.out'));
  const stored = await sha256File(join(dir, 'data.atrest'));
  check(roundTrip === original, `sha-256 of the decrypted file equals the original (${roundTrip.slice(0, 16)}…)`);
  check(stored !== original, 'the stored file is not the plaintext');
  console.log();

  console.log('7. The audit trail (atrest audit):');
  const audit = await atrest(['audit']);
  for (const line of audit.stdout.trim().split('\n')) console.log(`   ${line}`);
  const trail = JSON.parse((await atrest(['audit', '--json'])).stdout).Records;
  check(
    trail.some((r) => r.eventName === 'Decrypt' && r.outcome === 'Failure' && r.principal === GUEST),
    'the refused Decrypt by role/guest is in the trail',
  );
  console.log();

  console.log(
    `throughput: encrypt ${enc.mibPerSecond.toFixed(1)} MiB/s, decrypt ${dec.mibPerSecond.toFixed(1)} MiB/s (${SIZE / MiB} MiB, file to file, the CLI with its default worker pool)`,
  );
  const failed = checks.filter((ok) => !ok).length;
  console.log(failed === 0 ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks FAILED`);
  if (failed > 0) process.exitCode = 1;
} catch (e) {
  console.error(`demo failed: ${e.message}`);
  process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
