#!/usr/bin/env node
// `npm run bench:kms`: the key service over the wire. `atrest serve` (a child process, its own
// key store and audit trail in a temp directory) on 127.0.0.1; 32 concurrent keep-alive clients
// in this process, each signing every request with SigV4, for --seconds (default 20) per
// operation: Decrypt, then GenerateDataKeyWithoutPlaintext. Reports requests per second and
// p50/p99 latency, the same operations through LocalKms in process (the cost of the wire), and
// where a request's time goes (SigV4 verification, protocol encoding, LocalKms, the rest), and
// CreateGrant per second in process at 2,000 and 8,000 grants (bench/kms-grants.mjs).
// The bench's signer is a small one (node:crypto), so that the client side costs little of the
// 2 shared cores; the tests use the real clients.
//   npm run bench:kms [-- --seconds 20 --clients 32]   (a full run writes bench/results/kms-wire.txt)
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { LocalKms, MemoryKeystore } from '../dist/index.js';
import { decodeRequest, encodeResponse } from '../build/tsc/kms/server/protocol.js';
import { verifySignature } from '../build/tsc/kms/server/sigv4.js';
import { grantRows } from './kms-grants.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('seconds', 20);
const CLIENTS = arg('clients', 32);
const PRINCIPAL = 'arn:aws:iam::111122223333:root';

function runCli(args, env) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [join(ROOT, 'bin/atrest.js'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`atrest ${args[0]} exit ${code}`))));
  });
}

function sign(host, key, target, body) {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const canonical = `POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:${host}\nx-amz-date:${amzDate}\nx-amz-target:${target}\n\ncontent-type;host;x-amz-date;x-amz-target\n${createHash('sha256').update(body).digest('hex')}`;
  const scope = `${day}/us-east-1/kms/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  if (key.day !== day) {
    let k = createHmac('sha256', 'AWS4' + key.secret)
      .update(day)
      .digest();
    for (const p of ['us-east-1', 'kms', 'aws4_request']) k = createHmac('sha256', k).update(p).digest();
    key.day = day;
    key.signing = k;
  }
  return {
    'Content-Type': 'application/x-amz-json-1.1',
    'X-Amz-Date': amzDate,
    'X-Amz-Target': target,
    'Content-Length': Buffer.byteLength(body),
    Authorization: `AWS4-HMAC-SHA256 Credential=${key.id}/${scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=${createHmac('sha256', key.signing).update(sts).digest('hex')}`,
  };
}

function post(url, agent, key, target, body) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, method: 'POST', path: '/', agent, headers: sign(u.host, key, target, body) },
      (res) => {
        const chunks = [];
        res
          .on('data', (c) => chunks.push(c))
          .on('end', () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) reject(new Error(`${target}: ${res.statusCode} ${text}`));
            else resolve(text);
          });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function loop(seconds, clients, call) {
  const latencies = [];
  const end = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        await call();
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), n: latencies.length };
}

function perCall(n, fn) {
  for (let i = 0; i < Math.min(200, n); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t0) * 1000) / n;
}

const fmt = (r) =>
  `${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   (${r.n} requests)`;

const lines = [];
const say = (line) => {
  console.log(line);
  lines.push(line);
};

const dir = await mkdtemp(join(tmpdir(), 'atrest-bench-kms-'));
const env = { ...process.env, ATREST_HOME: join(dir, 'home'), ATREST_ROOT_KEY: 'b4'.repeat(32) };
let server;
try {
  const ak = JSON.parse(await runCli(['access-keys', 'create', '--principal', PRINCIPAL, '--json', '--quiet'], env));
  const key = { id: ak.AccessKeyId, secret: ak.SecretAccessKey };
  // ATREST_BENCH_SERVER_NODE_ARGS: extra Node flags for the server (e.g. --cpu-prof).
  const nodeArgs = (process.env.ATREST_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  server = spawn(process.execPath, [...nodeArgs, join(ROOT, 'bin/atrest.js'), 'serve', '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const keyId = JSON.parse(await post(url, agent, key, 'TrentService.CreateKey', '{}')).KeyMetadata.Arn;
  const blob = JSON.parse(
    await post(
      url,
      agent,
      key,
      'TrentService.GenerateDataKeyWithoutPlaintext',
      JSON.stringify({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { bench: 'kms' } }),
    ),
  ).CiphertextBlob;
  const decryptBody = JSON.stringify({ CiphertextBlob: blob, EncryptionContext: { bench: 'kms' } });
  const gdkBody = JSON.stringify({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { bench: 'kms' } });
  // Warm-up (JIT, connections), not measured: 3 s of each operation.
  await loop(3, CLIENTS, () => post(url, agent, key, 'TrentService.Decrypt', decryptBody));
  await loop(3, CLIENTS, () => post(url, agent, key, 'TrentService.GenerateDataKeyWithoutPlaintext', gdkBody));

  say(
    `bench:kms — ${CLIENTS} keep-alive clients, each request SigV4-signed, ${SECONDS} s per operation, 127.0.0.1, ${process.version}`,
  );
  const wireDecrypt = await loop(SECONDS, CLIENTS, () => post(url, agent, key, 'TrentService.Decrypt', decryptBody));
  say(`wire        Decrypt                          ${fmt(wireDecrypt)}`);
  const wireGdk = await loop(SECONDS, CLIENTS, () =>
    post(url, agent, key, 'TrentService.GenerateDataKeyWithoutPlaintext', gdkBody),
  );
  say(`wire        GenerateDataKeyWithoutPlaintext  ${fmt(wireGdk)}`);
  agent.destroy();
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  server = undefined;

  // The same through LocalKms in this process (no HTTP, no signatures, no audit file).
  const local = new LocalKms({ keystore: new MemoryKeystore() });
  const kms = local.as(PRINCIPAL);
  const lk = (await kms.createKey({})).KeyMetadata.Arn;
  const lblob = (
    await kms.generateDataKeyWithoutPlaintext({ KeyId: lk, KeySpec: 'AES_256', EncryptionContext: { bench: 'kms' } })
  ).CiphertextBlob;
  const inSeconds = Math.max(2, Math.round(SECONDS / 4));
  const localDecrypt = await loop(inSeconds, CLIENTS, () =>
    kms.decrypt({ CiphertextBlob: lblob, EncryptionContext: { bench: 'kms' } }),
  );
  say(`in process  Decrypt                          ${fmt(localDecrypt)}`);
  const localGdk = await loop(inSeconds, CLIENTS, () =>
    kms.generateDataKeyWithoutPlaintext({ KeyId: lk, KeySpec: 'AES_256', EncryptionContext: { bench: 'kms' } }),
  );
  say(`in process  GenerateDataKeyWithoutPlaintext  ${fmt(localGdk)}`);
  for (const line of await grantRows()) say(line);

  // Where a wire request's time goes (single-threaded costs, µs per request).
  const body = new TextEncoder().encode(decryptBody);
  const headers = sign('127.0.0.1:4599', key, 'TrentService.Decrypt', decryptBody);
  const raw = ['Host', '127.0.0.1:4599', ...Object.entries(headers).flatMap(([k, v]) => [k, String(v)])];
  const cred = { accessKeyId: key.id, secretAccessKey: key.secret, principal: PRINCIPAL };
  const now = new Date();
  const verifyUs = perCall(20000, () =>
    verifySignature({ method: 'POST', url: '/', rawHeaders: raw, body }, () => cred, 'us-east-1', now),
  );
  const sample = await kms.decrypt({ CiphertextBlob: lblob, EncryptionContext: { bench: 'kms' } });
  const codecUs = perCall(
    20000,
    () => encodeResponse({ ...sample, KeyId: lk, Plaintext: sample.Plaintext }) && decodeRequest(body),
  );
  const signUs = perCall(20000, () => sign('127.0.0.1:4599', key, 'TrentService.Decrypt', decryptBody));
  const serverUs = 1e6 / wireDecrypt.rps;
  const kmsUs = 1e6 / localDecrypt.rps;
  say('');
  say(
    `where a signed Decrypt's time goes (both processes share 2 cores; µs per request at ${wireDecrypt.rps.toFixed(0)} req/s = ${serverUs.toFixed(0)} µs of wall time each):`,
  );
  say(`  LocalKms Decrypt (in process, queue + AES-GCM unwrap)   ${kmsUs.toFixed(1)} µs`);
  say(`  SigV4 verification (server)                             ${verifyUs.toFixed(1)} µs`);
  say(`  JSON + base64 decode/encode (server)                    ${codecUs.toFixed(1)} µs`);
  say(`  SigV4 signing (bench client, same machine)              ${signUs.toFixed(1)} µs`);
  say(
    `  the rest: HTTP parsing and writing in both processes, audit append, event loops, scheduling   ${(serverUs - kmsUs - verifyUs - codecUs - signUs).toFixed(1)} µs`,
  );
  const target = wireDecrypt.rps >= 2000 && wireDecrypt.p99 < 25;
  say('');
  say(
    `target ≥ 2000 signed Decrypt/s with p99 < 25 ms: ${target ? 'met' : 'NOT met'} (${wireDecrypt.rps.toFixed(0)}/s, p99 ${wireDecrypt.p99.toFixed(1)} ms); ` +
      `AWS KMS's default symmetric request quota is 5500/s per account: ${((wireDecrypt.rps / 5500) * 100).toFixed(0)}% of it`,
  );
  if (SECONDS >= 20) {
    say(
      `(${new Date().toISOString()}, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
    );
    writeFileSync(join(ROOT, 'bench/results/kms-wire.txt'), lines.join('\n') + '\n');
  }
} finally {
  server?.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
}
