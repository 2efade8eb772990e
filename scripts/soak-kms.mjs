#!/usr/bin/env node
// SIGKILL soak of `atrest serve`: a client loop of CreateKey / CreateGrant / GenerateDataKey +
// Decrypt (the real @aws-sdk/client-kms, 8 at a time) against a server that is killed with
// SIGKILL at a random moment of each round and restarted, `--restarts` times (default 50).
// After every restart it checks that every mutation the server answered before the kill is
// there (the key describes, the grant is listed), that the key store opened (not corrupt), and
// at the end that every line of the audit trail parses and that every answered call's request
// id is in it. Only 127.0.0.1. Bounded: rounds of at most ~0.6 s of traffic.
//
//   npm run soak:kms [-- --restarts 50]
// tests/node/kms-soak.test.js runs runSoak({ restarts: 4 }) in CI.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyCommand,
  KMSClient,
  ListGrantsCommand,
} from '@aws-sdk/client-kms';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'atrest.js');
const PRINCIPAL = 'arn:aws:iam::111122223333:root';

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`atrest ${args.join(' ')}: exit ${code}: ${err}`)),
    );
  });
}

function serve(env) {
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((resolve) => child.on('exit', () => resolve()));
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    exited.then(() => reject(new Error(`atrest serve exited before listening: ${err}`)));
  });
  return { child, url, exited };
}

/** @returns {Promise<{restarts: number, answered: {keys: number, grants: number, decrypts: number}, auditRecords: number}>} */
export async function runSoak({ restarts = 50, log = () => undefined } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'atrest-soak-'));
  const env = {
    ...process.env,
    ATREST_HOME: join(dir, 'home'),
    ATREST_ROOT_KEY: 'c3'.repeat(32),
    AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
  };
  const key = JSON.parse(await run(['access-keys', 'create', '--principal', PRINCIPAL, '--json', '--quiet'], env));
  const credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const answered = { keys: [], grants: [], decrypts: 0, requestIds: [] };
  let pending = { keys: [], grants: [] };
  try {
    for (let round = 0; round < restarts; round++) {
      const server = serve(env);
      const url = await server.url;
      const sdk = new KMSClient({ endpoint: url, region: 'us-east-1', credentials, maxAttempts: 1 });
      // Everything answered before the previous kill must be here now.
      for (const keyId of pending.keys) await sdk.send(new DescribeKeyCommand({ KeyId: keyId }));
      for (const { keyId, grantId } of pending.grants) {
        const grants = (await sdk.send(new ListGrantsCommand({ KeyId: keyId }))).Grants;
        if (!grants.some((g) => g.GrantId === grantId))
          throw new Error(`round ${round}: answered grant ${grantId} on ${keyId} is missing after restart`);
      }
      pending = { keys: [], grants: [] };
      let killed = false;
      const killAt = 100 + Math.floor(Math.random() * 500);
      const timer = setTimeout(() => {
        killed = true;
        server.child.kill('SIGKILL');
      }, killAt);
      const worker = async () => {
        while (!killed) {
          try {
            const k = await sdk.send(new CreateKeyCommand({ Description: `soak ${round}` }));
            pending.keys.push(k.KeyMetadata.KeyId);
            answered.keys.push(k.KeyMetadata.KeyId);
            answered.requestIds.push(k.$metadata.requestId);
            const g = await sdk.send(
              new CreateGrantCommand({
                KeyId: k.KeyMetadata.KeyId,
                GranteePrincipal: 'arn:aws:iam::111122223333:user/soak',
                Operations: ['Decrypt'],
              }),
            );
            pending.grants.push({ keyId: k.KeyMetadata.KeyId, grantId: g.GrantId });
            answered.grants.push(g.GrantId);
            answered.requestIds.push(g.$metadata.requestId);
            const d = await sdk.send(new GenerateDataKeyCommand({ KeyId: k.KeyMetadata.KeyId, NumberOfBytes: 32 }));
            answered.requestIds.push(d.$metadata.requestId);
            const p = await sdk.send(new DecryptCommand({ CiphertextBlob: d.CiphertextBlob }));
            if (Buffer.compare(Buffer.from(p.Plaintext), Buffer.from(d.Plaintext)) !== 0)
              throw new Error('Decrypt returned another data key');
            answered.decrypts++;
            answered.requestIds.push(p.$metadata.requestId);
          } catch (e) {
            if (killed || /ECONNRESET|ECONNREFUSED|socket hang up|EPIPE/.test(`${e.code} ${e.message} ${e.name}`))
              break; // unanswered: may or may not be applied
            throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      clearTimeout(timer);
      await server.exited;
      sdk.destroy();
      // SIGKILL leaves the key store's lock file; the operator's step (FileKeystore never breaks locks itself).
      await unlink(join(env.ATREST_HOME, 'keystore.lock')).catch(() => undefined);
      log(
        `round ${round + 1}/${restarts}: killed after ${killAt} ms; answered so far ${answered.keys.length} keys, ${answered.grants.length} grants, ${answered.decrypts} decrypts`,
      );
    }
    // A last start: the final round's answers, the whole key set, the audit trail.
    const server = serve(env);
    const sdk = new KMSClient({ endpoint: await server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    for (const keyId of answered.keys) await sdk.send(new DescribeKeyCommand({ KeyId: keyId }));
    for (const { keyId, grantId } of pending.grants) {
      if (!(await sdk.send(new ListGrantsCommand({ KeyId: keyId }))).Grants.some((g) => g.GrantId === grantId))
        throw new Error(`answered grant ${grantId} missing at the end`);
    }
    server.child.kill('SIGTERM');
    await server.exited;
    sdk.destroy();
    const lines = (await readFile(join(env.ATREST_HOME, 'audit.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
    const ids = new Set(
      lines.map((l, i) => {
        try {
          return JSON.parse(l).requestId;
        } catch {
          throw new Error(`audit.jsonl line ${i + 1} does not parse: ${l.slice(0, 80)}`);
        }
      }),
    );
    const lost = answered.requestIds.filter((id) => !ids.has(id));
    if (lost.length > 0) throw new Error(`${lost.length} answered call(s) have no audit record, e.g. ${lost[0]}`);
    return {
      restarts,
      answered: { keys: answered.keys.length, grants: answered.grants.length, decrypts: answered.decrypts },
      auditRecords: lines.length,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--restarts');
  const restarts = i > 0 ? Number(process.argv[i + 1]) : 50;
  if (!Number.isInteger(restarts) || restarts < 1 || restarts > 1000) {
    console.error('soak-kms: --restarts takes 1..1000');
    process.exit(1);
  }
  const t0 = Date.now();
  const result = await runSoak({ restarts, log: (l) => console.log(l) });
  console.log(
    `soak-kms: ${result.restarts} SIGKILL restarts in ${((Date.now() - t0) / 1000).toFixed(1)} s: every answered mutation present ` +
      `(${result.answered.keys} keys, ${result.answered.grants} grants), ${result.answered.decrypts} decrypts checked, ` +
      `${result.auditRecords} audit records, none lost for an answered call, no corrupt store`,
  );
}
